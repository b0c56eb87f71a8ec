# The ddeflow image used by docker-compose.yml's pipeline services.
FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md ./
COPY ddeflow ddeflow
COPY dde dde
COPY producers producers
COPY processors processors
COPY simulator simulator
COPY schemas schemas
RUN pip install --no-cache-dir .
ENTRYPOINT ["ddeflow"]
