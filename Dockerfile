# Sampark: build on Debian 12, run on debian:12-slim as a non-root user.
# docker build -t sampark . && docker compose up   (see docker-compose.yml)
FROM debian:12-slim AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends gcc libc6-dev make cmake pkg-config \
      libwebsockets-dev libhiredis-dev libpq-dev libcurl4-openssl-dev libjson-c-dev \
      libpcre2-dev libssl-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY CMakeLists.txt ./
COPY bot ./bot
RUN cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DSAMPARK_TESTS=OFF \
 && cmake --build build -j"$(nproc)"

FROM debian:12-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends libwebsockets17 libhiredis0.14 libpq5 libcurl4 \
      libjson-c5 libpcre2-8-0 libssl3 ca-certificates tzdata curl \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --home-dir /app --shell /usr/sbin/nologin sampark
WORKDIR /app
COPY --from=build /src/build/sampark /usr/local/bin/sampark
COPY migrations ./migrations
COPY flows ./flows
COPY web ./web
# The portal's media cache (lost with the container, which is harmless: it is only a cache,
# refilled from the Graph API).
RUN mkdir -p /app/media && chown sampark: /app/media && chmod 700 /app/media
USER sampark
# 0.0.0.0 inside the container's own network namespace, so the port can be published at all;
# docker-compose.yml publishes it on the host's 127.0.0.1 only. Clients reaching it through the
# mapping are not loopback: /metrics needs SAMPARK_METRICS_TOKEN, /healthz answers bare.
ENV SAMPARK_LISTEN=0.0.0.0:8080 SAMPARK_FLOWS=/app/flows SAMPARK_WEB_DIR=/app/web \
    SAMPARK_MEDIA_DIR=/app/media
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=3s CMD curl -fsS http://127.0.0.1:8080/healthz >/dev/null || exit 1
ENTRYPOINT ["sampark"]
CMD ["serve"]
