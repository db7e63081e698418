# syntax=docker/dockerfile:1
# One image for the gateway (`federation serve`, the default command) and the schema registry
# (`federation registry serve`); README.md, "Deployment", says how each is run.
#
#   docker build -t federation .                              # gateway and registry, Redis client included
#   docker build -t federation:demo --build-arg EXTRAS=redis,demo .   # also the demo subgraphs (compose)
#   docker build --build-arg GRAPHIQL_ASSETS=skip .           # no node at build time: GraphiQL's page
#                                                             # then says how to install its files
ARG PYTHON_IMAGE=python:3.11-slim-bookworm

# GraphiQL's browser files, fetched with `npm pack` by the project's own script (stdlib only), in a
# stage of their own: node never reaches the final image, and the layer is cached until the pinned
# versions change.
FROM ${PYTHON_IMAGE} AS graphiql
ARG GRAPHIQL_ASSETS=fetch
COPY federation/http/graphiql_assets.py /tmp/graphiql_assets.py
RUN set -eu; mkdir -p /static; \
    if [ "$GRAPHIQL_ASSETS" = fetch ]; then \
        apt-get update; \
        apt-get install -y --no-install-recommends nodejs npm; \
        rm -rf /var/lib/apt/lists/*; \
        python3 /tmp/graphiql_assets.py --dir /static; \
    elif [ "$GRAPHIQL_ASSETS" != skip ]; then \
        echo "GRAPHIQL_ASSETS must be fetch or skip, got '$GRAPHIQL_ASSETS'" >&2; exit 2; \
    fi

# The package and its dependencies in a virtualenv, copied whole into the final stage. The assets
# are put in the source tree first, so the package data carries them.
FROM ${PYTHON_IMAGE} AS build
ARG EXTRAS=redis
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1 PIP_ROOT_USER_ACTION=ignore
WORKDIR /src
COPY pyproject.toml README.md ./
COPY federation ./federation
COPY services_demo ./services_demo
COPY --from=graphiql /static ./federation/http/static
RUN python3 -m venv /opt/venv \
    && /opt/venv/bin/pip install --quiet --upgrade pip \
    && /opt/venv/bin/pip install --quiet ".[${EXTRAS}]"

FROM ${PYTHON_IMAGE}
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    HEALTHCHECK_URL=http://127.0.0.1:4000/health
# A user of its own, by number (Kubernetes' runAsNonRoot checks the number). Its home is the working
# directory: the gateway keeps its registry cache file there (.federation/).
RUN groupadd --gid 10001 federation \
    && useradd --no-log-init --uid 10001 --gid 10001 --home-dir /var/lib/federation --create-home \
       --shell /usr/sbin/nologin federation
COPY --from=build /opt/venv /opt/venv
WORKDIR /var/lib/federation
USER 10001:10001
# 4000: the gateway; 4010: the registry (each a command of this image).
EXPOSE 4000 4010
# Liveness of whichever server runs: the gateway's /health by default; the registry's container
# sets HEALTHCHECK_URL=http://127.0.0.1:4010/health.
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen(os.environ['HEALTHCHECK_URL'], timeout=2)"]
ENTRYPOINT ["federation"]
# The supergraph source comes from the environment (FEDERATION_CONFIG, or FEDERATION_REGISTRY_URL,
# FEDERATION_REGISTRY_GRAPH and FEDERATION_REGISTRY_TOKEN) or from arguments given to `docker run`.
CMD ["serve", "--host", "0.0.0.0", "--port", "4000"]
