# Tandem's worker and web app (one image, two commands: see docker-compose.yml).
FROM python:3.11.10-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app
# Dependencies first, so a code change does not reinstall them.
COPY pyproject.toml ./
RUN mkdir -p domain workflows activities store web devstack control \
    && touch starter.py worker.py worker_health.py settings.py logging_setup.py \
    && pip install . && pip uninstall -y tandem
COPY . .
# Bytecode compiled once here: Temporal's sandbox imports the workflow modules for every workflow
# run, and PYTHONDONTWRITEBYTECODE would otherwise have each run compile them again.
RUN pip install --no-deps . \
    && python -m compileall -q domain workflows activities store \
    && useradd --system --uid 10001 --home-dir /app tandem \
    && mkdir -p /app/.tandem && chown tandem /app/.tandem
USER tandem

# In production every service is given by the environment (docker-compose.yml, .env.example):
# nothing embedded starts, and the logs are JSON lines.
ENV TANDEM_LOG_FORMAT=json \
    TANDEM_HEALTH_PORT=8081
EXPOSE 8000 8081 9464
CMD ["python", "-m", "worker"]
