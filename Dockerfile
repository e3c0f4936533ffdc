# Tandem's worker and web app (one image, two commands: see docker-compose.yml).
FROM python:3.11.10-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app
# Dependencies first, so a code change does not reinstall them: exactly the production lock's
# versions and hashes (`make lock`), without the embedded servers nor the dev tools.
COPY requirements/production.txt requirements/
RUN pip install --require-hashes -r requirements/production.txt
COPY . .
# The gettext catalogues compiled before the install packs them. Bytecode compiled once here:
# Temporal's sandbox imports the workflow modules for every workflow run, and
# PYTHONDONTWRITEBYTECODE would otherwise have each run compile them again.
RUN pybabel compile -d i18n/locales -D "web mail" \
    && pip install --no-deps . \
    && python -m compileall -q domain workflows activities store \
    && useradd --system --uid 10001 --home-dir /app tandem \
    && mkdir -p /app/.tandem && chown tandem /app/.tandem
USER tandem

# In production every service is given by the environment (docker-compose.yml, .env.example):
# nothing embedded is installed or starts (a service left unset is a configuration error naming
# it), and the logs are JSON lines.
ENV TANDEM_ENV=production \
    TANDEM_LOG_FORMAT=json \
    TANDEM_HEALTH_PORT=8081
EXPOSE 8000 8081 9464
CMD ["python", "-m", "worker"]
