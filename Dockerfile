# Safeguard Learn in a container: the prod flavor, plain HTTP (TLS ends at
# a proxy in front), PostgreSQL outside the container. Two stages: the
# first compiles with the -dev packages, the second runs with the runtime
# libraries, the fonts the certificates need and the PostgreSQL client the
# migrations use; no compiler, no PostgreSQL server (docs/deploy.md#docker).
#
#   docker build -t safeguard-learn .
#   docker run -d --name safeguard -p 8888:8888 \
#       -e DATABASE_URL='postgresql://safeguard:SECRET@db.example.org:5432/safeguard' \
#       -e SG_PUBLIC_ORIGIN=https://learn.example.org \
#       -v safeguard-var:/var/lib/safeguard safeguard-learn
#
# SG_LISTEN_PORT (default 8888) and SG_BIND (default 0.0.0.0) choose where
# it listens, e.g. with --network host next to another server on 8888.
# scripts/docker-entrypoint migrates the database, makes the keys in the
# volume unless they are given, and starts Kore as the user safeguard.

FROM debian:bookworm-slim AS build

ENV DEBIAN_FRONTEND=noninteractive \
    LANG=C.UTF-8

WORKDIR /src

# Kore, kodev, the compiler and the headers: scripts/install-deps's
# "build" list. This layer is rebuilt only when the list changes.
COPY scripts/install-deps scripts/install-deps
RUN apt-get update -qq \
    && apt-get install -y -qq --no-install-recommends make \
    && scripts/install-deps build \
    && rm -rf /var/lib/apt/lists/*

# The prod flavor (conf/build.conf: -O2, no sanitizers) and sgctl, which
# scripts/seed and scripts/create-admin use.
COPY . .
RUN make build/prod/app.so build/sgctl


FROM debian:bookworm-slim

ENV DEBIAN_FRONTEND=noninteractive \
    LANG=C.UTF-8

# What app.so, sgctl and kore link (ldd), the fonts of the certificates
# (fontconfig falls back to the Noto font of each script), the PostgreSQL
# client (scripts/migrate, pg_isready), libcurl (mail), openssl (scripts/keys makes the
# Open Badges key pair) and curl (the health check).
RUN apt-get update -qq \
    && apt-get install -y -qq --no-install-recommends \
        libpq5 libjansson4 libjwt0 libsodium23 libcmark0.30.2 libzip4 \
        zlib1g libssl3 libxml2 libunistring2 libqrencode4 \
        libpango-1.0-0 libpangocairo-1.0-0 libcairo2 \
        fonts-noto-core fonts-dejavu-core \
        libcurl4 postgresql-client-15 openssl curl ca-certificates \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /srv/safeguard

# Kore is one binary; its Debian package would pull in libc6-dev,
# libssl-dev and libpq-dev, which only kodev needs.
COPY --from=build /usr/bin/kore /usr/bin/kore
COPY --from=build /src/build/prod/app.so build/prod/app.so
COPY --from=build /src/build/sgctl build/sgctl
# The pages are compiled into app.so; what runs from files is the
# configuration, the scripts and the SQL (migrations and demo courses).
COPY conf conf
COPY scripts scripts
COPY sql sql
RUN chmod 0755 scripts/docker-entrypoint scripts/migrate scripts/keys \
        scripts/seed scripts/seed-courses scripts/create-admin

# The server runs as this user; the code stays root's and read-only to it.
# SG_VAR_DIR holds the generated keys: keep it on a volume so every
# restart signs with the same key.
RUN useradd --system --user-group --uid 10001 \
        --home-dir /var/lib/safeguard --shell /usr/sbin/nologin safeguard \
    && mkdir -p /var/lib/safeguard \
    && chown safeguard:safeguard /var/lib/safeguard \
    && chmod 0700 /var/lib/safeguard \
    && fc-cache -fs

# fc-cache above, as the last step as root: the workers' seccomp filter
# allows no chmod or link, so fontconfig must find every font folder's
# cache valid (with /usr/local/share/fonts's stale, each worker tried to
# write one and was killed, over and over).

ENV SG_VAR_DIR=/var/lib/safeguard \
    SG_LISTEN_PORT=8888 \
    SG_BIND=0.0.0.0
VOLUME ["/var/lib/safeguard"]

USER safeguard
EXPOSE 8888

HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD curl -fsS -o /dev/null "http://${SG_BIND}:${SG_LISTEN_PORT}/healthz" || exit 1

ENTRYPOINT ["/srv/safeguard/scripts/docker-entrypoint"]
