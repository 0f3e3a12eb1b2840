# Safeguard Learn in a container: the prod flavor, plain HTTP on 8888 (TLS
# ends at a proxy in front), PostgreSQL outside the container.
#
#   docker build -t safeguard-learn .
#   docker run -d --name safeguard -p 8888:8888 \
#       -e DATABASE_URL='postgresql://safeguard:SECRET@db.example.org:5432/safeguard' \
#       -e SG_PUBLIC_ORIGIN=https://learn.example.org \
#       -v safeguard-var:/var/lib/safeguard safeguard-learn
#
# scripts/docker-entrypoint migrates the database, makes a JWT key in the
# volume unless SG_JWT_KEYS is given, and starts Kore as the user safeguard.
# See docs/deploy.md.

FROM debian:bookworm-slim

ENV DEBIAN_FRONTEND=noninteractive \
    LANG=C.UTF-8

WORKDIR /srv/safeguard

# The packages come from the project's own list, so the image needs what
# "make run" needs and nothing else. This layer is rebuilt only when the
# list changes.
COPY scripts/install-deps scripts/install-deps
RUN apt-get update -qq \
    && apt-get install -y -qq --no-install-recommends make \
    && scripts/install-deps run \
    && apt-get clean \
    && rm -rf /var/lib/apt/lists/*

# The prod flavor (conf/build.conf: -O2, no sanitizers) and sgctl, which
# scripts/seed and scripts/create-admin use.
COPY . .
RUN chmod 0755 scripts/docker-entrypoint scripts/migrate scripts/keys \
        scripts/seed scripts/seed-courses scripts/create-admin \
    && make build/prod/app.so build/sgctl \
    && rm -rf build/prod/objs

# The server runs as this user; the code stays root's and read-only to it.
# SG_VAR_DIR holds the generated JWT key: keep it on a volume so every
# restart signs with the same key.
RUN useradd --system --user-group --uid 10001 \
        --home-dir /var/lib/safeguard --shell /usr/sbin/nologin safeguard \
    && mkdir -p /var/lib/safeguard \
    && chown safeguard:safeguard /var/lib/safeguard \
    && chmod 0700 /var/lib/safeguard

ENV SG_VAR_DIR=/var/lib/safeguard
VOLUME ["/var/lib/safeguard"]

USER safeguard
EXPOSE 8888

HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD curl -fsS -o /dev/null http://127.0.0.1:8888/healthz || exit 1

ENTRYPOINT ["/srv/safeguard/scripts/docker-entrypoint"]
