# syntax=docker/dockerfile:1
# One image for every service; JEJAK_SERVICE picks the app and JEJAK_PORT its port:
#   docker run -e JEJAK_SERVICE=quality -e JEJAK_PORT=8002 -e REDIS_URL=... jejak
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    JEJAK_HOST=0.0.0.0 \
    JEJAK_DATA_DIR=/var/lib/jejak

RUN useradd --system --uid 10001 --user-group --create-home --home-dir /home/jejak jejak \
    && install -d -o jejak -g jejak /var/lib/jejak

WORKDIR /app

# Dependencies first, exactly the pinned versions of requirements.lock (`make lock`; no
# resolving here, no dev tools, no embedded Redis), so a code change does not reinstall them.
COPY requirements.lock ./
RUN pip install --no-deps -r requirements.lock

# Then jejak itself, without dependencies; `pip check` fails the build when the lock misses
# one that pyproject.toml asks for. Only the code is copied: never deploy/secrets/.
# README.md is optional in the build context; setuptools only needs the file to exist.
COPY pyproject.toml README.md* ./
COPY shared ./shared
COPY services ./services
COPY jejak ./jejak
RUN touch README.md \
    && pip install --no-deps . \
    && pip check \
    && python -m compileall -q shared services jejak

USER jejak
EXPOSE 8000 8001 8002 8003 8004 8005 8006

# No curl in the slim image: python asks the service's own /health.
HEALTHCHECK --interval=10s --timeout=5s --start-period=20s --retries=5 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/health' % os.environ['JEJAK_PORT'], timeout=4)"]

# The service's own database is migrated first (a service refuses to start on one that is
# behind; replicas migrating at once take turns on an advisory lock), then exec: uvicorn is
# PID 1's direct replacement and gets SIGTERM for a graceful shutdown (5 s, then streams that
# never end - the console's /live, sales' /feed/stock - are closed and the lifespan cleans up).
CMD ["sh", "-c", "jejak migrate --only ${JEJAK_SERVICE:?set JEJAK_SERVICE} && exec uvicorn services.${JEJAK_SERVICE}.app:app --no-proxy-headers --timeout-graceful-shutdown 5 --host 0.0.0.0 --port ${JEJAK_PORT:?set JEJAK_PORT}"]
