# syntax=docker/dockerfile:1
# Build: docker build -t mailflow .   Run: see docker-compose.yml and the README's Docker section.
# PYTHON_IMAGE: any Debian-based image with python3 and its venv module (3.11 or newer).
ARG PYTHON_IMAGE=python:3.11-slim

FROM ${PYTHON_IMAGE} AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY mailflow ./mailflow
RUN python3 -m venv /opt/mailflow && /opt/mailflow/bin/pip install --no-cache-dir .

FROM ${PYTHON_IMAGE}
RUN useradd --system --uid 10001 --create-home --home-dir /var/lib/mailflow mailflow
COPY --from=build /opt/mailflow /opt/mailflow
ENV PATH=/opt/mailflow/bin:$PATH \
    MAILFLOW_CONFIG=/var/lib/mailflow/settings.toml \
    PYTHONUNBUFFERED=1
USER mailflow
WORKDIR /var/lib/mailflow
VOLUME ["/var/lib/mailflow"]
# /healthz needs [health] enabled = true; port 8026 is its default (the slim image has no curl).
HEALTHCHECK --interval=30s --timeout=10s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8026/healthz', timeout=5)"]
# SIGTERM: finish the work in hand, exit 0 within 10 s (compose's default stop grace period).
STOPSIGNAL SIGTERM
CMD ["mailflow", "run"]
