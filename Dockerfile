# syntax=docker/dockerfile:1
FROM python:3.11-slim AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY mailflow ./mailflow
RUN python -m venv /opt/mailflow && /opt/mailflow/bin/pip install --no-cache-dir .

FROM python:3.11-slim
RUN useradd --system --create-home --home-dir /var/lib/mailflow mailflow
COPY --from=build /opt/mailflow /opt/mailflow
# Shipped templates: set templates.dir = "/opt/mailflow/templates" in settings.toml to use them.
COPY templates /opt/mailflow/templates
ENV PATH=/opt/mailflow/bin:$PATH \
    MAILFLOW_CONFIG=/var/lib/mailflow/settings.toml \
    PYTHONUNBUFFERED=1
USER mailflow
WORKDIR /var/lib/mailflow
VOLUME ["/var/lib/mailflow"]
CMD ["mailflow", "run"]
