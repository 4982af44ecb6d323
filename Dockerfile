# govledger: the GraphQL API (and its projector) over the ledger, against the PostgreSQL of
# DATABASE_URL (see docker-compose.yml). Without DATABASE_URL it falls back to an embedded
# PostgreSQL in GOVLEDGER_DATA_DIR (/data here).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    GOVLEDGER_DATA_DIR=/data

WORKDIR /app

# The dependencies first, from pyproject.toml alone, so that a change of code reuses this layer.
COPY pyproject.toml ./
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" \
        > /tmp/requirements.txt \
    && pip install -r /tmp/requirements.txt \
    && rm /tmp/requirements.txt

# Then the project, installed editable: api/cli.py finds the bundled Seoul data as
# <project>/data/seoul next to api/, which only holds when the code runs from /app
# (a regular install would look in site-packages/data/seoul).
COPY . .
RUN pip install --no-deps -e . \
    && python -m compileall -q api domain ledger projections \
    && test -d /app/data/seoul

RUN useradd --system --create-home --uid 10001 --shell /usr/sbin/nologin govledger \
    && mkdir -p /data \
    && chown govledger:govledger /data
USER govledger

EXPOSE 8000
HEALTHCHECK --interval=10s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4)"]

CMD ["govledger", "serve", "--host", "0.0.0.0", "--port", "8000"]
