"""Jejak's benchmark suite: `python -m bench` (or `make bench`) against the real running system.

Every service runs as its own OS process (jejak.launcher.ServiceSet), on the Redis and
PostgreSQL of REDIS_URL / DATABASE_URL when set, on an embedded Redis and SQLite files otherwise.
Each section uses its own stream namespace and its own databases and removes them afterwards.
Results go to bench/results/latest.json (and a timestamped copy).
"""
