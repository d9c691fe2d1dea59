# syntax=docker/dockerfile:1
#
# crashloop-bot container image.
#
#   docker build -t crashloop-bot:0.1.0 .
#   docker run --rm --read-only --tmpfs /tmp -v crashloop-state:/var/lib/crashloop-bot \
#     -e SLACK_BOT_TOKEN=... -e SLACK_SIGNING_SECRET=... -p 3000:3000 crashloop-bot:0.1.0
#
# Stage 1 builds the project's wheel and the wheels of its dependencies, pinned by
# constraints.txt. Stage 2 installs them from that wheelhouse only (no index), so the
# image holds exactly the versions in constraints.txt and no build tools or sources.
# Pin the base by digest for fully reproducible builds:
#   docker build --build-arg PYTHON_IMAGE=python:3.11-slim-bookworm@sha256:... .

ARG PYTHON_IMAGE=python:3.11-slim-bookworm

FROM ${PYTHON_IMAGE} AS builder

ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    PYTHONDONTWRITEBYTECODE=1

WORKDIR /src
COPY constraints.txt pyproject.toml README.md ./
COPY bot/ bot/
COPY rules/ rules/

# The project's wheel (built-in rules are packaged as bot/builtin_rules) and the
# wheels of every runtime dependency, at the versions constraints.txt pins.
RUN pip wheel --wheel-dir /wheels --constraint constraints.txt . \
    && cp constraints.txt /wheels/constraints.txt


FROM ${PYTHON_IMAGE}

LABEL org.opencontainers.image.title="crashloop-bot" \
      org.opencontainers.image.description="Slack bot that tells why a Kubernetes pod is crash-looping" \
      org.opencontainers.image.version="0.1.0" \
      org.opencontainers.image.licenses="Apache-2.0"

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    CRASHLOOP_STATE=/var/lib/crashloop-bot/state.sqlite3 \
    HOME=/var/lib/crashloop-bot

# Install from the wheelhouse only; the wheels are bind-mounted, not copied into a layer.
# pip compiles the .pyc files now, so nothing is written under site-packages at run time.
RUN --mount=type=bind,from=builder,source=/wheels,target=/wheels \
    pip install --no-index --find-links /wheels --constraint /wheels/constraints.txt \
        crashloop-bot \
    && crashloop-bot rules check \
    && groupadd --system --gid 10001 crashloop \
    && useradd --system --uid 10001 --gid 10001 --no-create-home \
        --home-dir /var/lib/crashloop-bot --shell /usr/sbin/nologin crashloop \
    && mkdir -p /var/lib/crashloop-bot \
    && chown 10001:10001 /var/lib/crashloop-bot \
    && chmod 0750 /var/lib/crashloop-bot

# Runs with a read-only root filesystem: the only writable paths it needs are the state
# directory (/var/lib/crashloop-bot, a volume) and /tmp (a tmpfs / emptyDir).
USER 10001:10001
WORKDIR /var/lib/crashloop-bot

EXPOSE 3000

# No HEALTHCHECK: Kubernetes probes /healthz (liveness) and /readyz (readiness).
ENTRYPOINT ["crashloop-bot"]
CMD ["serve"]
