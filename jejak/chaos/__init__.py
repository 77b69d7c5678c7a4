"""`jejak chaos`: thousands of events through the whole flow while faults are injected at
random (services killed and frozen, the run's own Redis killed, database connections cut),
then a reconciliation of every service's data against what the load was answered.

    jejak chaos --events 10000 --faults 100 --seed 7

Modules: rig (the run's own Redis, databases and services), client (HTTP with retries),
load (the flows), faults (the injector), checks (the reconciliation), report (the tables),
run (one run, start to end), command (the Typer command).
"""

from jejak.chaos.run import ChaosConfig, ChaosResult, run_chaos

__all__ = ["ChaosConfig", "ChaosResult", "run_chaos"]
