# The ddeflow image used by docker-compose.yml's pipeline services.
# pyproject.toml alone says what goes in (packages, the schemas' .avsc files, dependencies): the build stage
# makes ddeflow's wheel from the whole context, and the image installs that wheel, none of the source tree.
FROM python:3.11-slim AS build
WORKDIR /src
COPY . .
RUN pip wheel --no-cache-dir --no-deps --wheel-dir /wheels .

FROM python:3.11-slim
WORKDIR /app
COPY --from=build /wheels /wheels
RUN pip install --no-cache-dir /wheels/*.whl && rm -rf /wheels
ENTRYPOINT ["ddeflow"]
