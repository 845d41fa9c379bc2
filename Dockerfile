# syntax=docker/dockerfile:1
#
# Bureau service image. One image for every service; the command picks the service:
#
#   docker build -t bureau .
#   docker run --rm bureau serve ingest        # one service (configured by BUREAU_* env vars)
#   docker run --rm bureau --help
#
# Stage 1 builds a virtual environment in /opt/bureau; stage 2 copies it into a clean
# python:3.11-slim and runs it as an unprivileged user.

ARG PYTHON_IMAGE=python:3.11-slim

FROM ${PYTHON_IMAGE} AS build

ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

RUN python -m venv /opt/bureau
ENV PATH=/opt/bureau/bin:$PATH

WORKDIR /src

# The pinned dependency set first, so this layer is rebuilt only when the lock changes.
COPY requirements.lock ./
RUN pip install -r requirements.lock

# Then the project itself, without resolving dependencies again.
COPY pyproject.toml ./
COPY bureau ./bureau
COPY shared ./shared
COPY services ./services
RUN pip install --no-deps . \
    && pip check \
    && bureau --help > /dev/null


FROM ${PYTHON_IMAGE}

LABEL org.opencontainers.image.title="bureau" \
      org.opencontainers.image.description="Bureau mail platform services" \
      org.opencontainers.image.licenses="AGPL-3.0-or-later"

ENV PATH=/opt/bureau/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1

# A fixed numeric uid/gid, so that Kubernetes can verify runAsNonRoot.
RUN groupadd --system --gid 10001 bureau \
    && useradd --system --uid 10001 --gid 10001 --no-create-home \
       --home-dir /nonexistent --shell /usr/sbin/nologin bureau \
    && install -d -o 10001 -g 10001 /srv/bureau

COPY --from=build /opt/bureau /opt/bureau

# `bureau run` (everything in one container) keeps its data under ./var, i.e. /srv/bureau/var.
WORKDIR /srv/bureau
USER 10001:10001

# 2525 SMTP (BUREAU_SMTP_LISTEN), 8080 HTTP API (BUREAU_HTTP_LISTEN),
# 8081 /healthz and /readyz (BUREAU_HEALTH_LISTEN). Documentation only: the listen
# addresses are set by those variables, and default to 127.0.0.1.
EXPOSE 2525 8080 8081

ENTRYPOINT ["bureau"]
CMD ["--help"]
