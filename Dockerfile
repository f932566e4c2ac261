# One image for every Open137 executable (intake, classifier, router, notifier, council-audit, desk, open137).
# docker-compose.yml picks the executable per service with `command`.
#
#   docker build -t open137 .
#   docker run --rm -e AMQP_URL=... -e DATABASE_URL=... open137 classifier

ARG SWIFT_IMAGE=swift:6.3-bookworm
ARG RUN_IMAGE=debian:bookworm-slim

# ---- build ------------------------------------------------------------------------------------------
FROM ${SWIFT_IMAGE} AS build
RUN export DEBIAN_FRONTEND=noninteractive \
    && apt-get update -q \
    && apt-get install -y -q --no-install-recommends librabbitmq-dev pkg-config \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
# Dependencies first, so source changes do not re-fetch them.
COPY Package.swift Package.resolved* ./
RUN swift package resolve
COPY . .
RUN swift build -c release --static-swift-stdlib \
    && bin="$(swift build -c release --static-swift-stdlib --show-bin-path)" \
    && mkdir -p /staging \
    && for exe in intake classifier router notifier council-audit desk open137; do \
           cp "$bin/$exe" /staging/; \
       done \
    && find "$bin" -maxdepth 1 -name '*.resources' -exec cp -R {} /staging/ \;

# ---- run --------------------------------------------------------------------------------------------
FROM ${RUN_IMAGE}
RUN export DEBIAN_FRONTEND=noninteractive \
    && apt-get update -q \
    && apt-get install -y -q --no-install-recommends \
        librabbitmq4 libstdc++6 ca-certificates tzdata curl \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10137 --user-group --home-dir /app --shell /usr/sbin/nologin open137
WORKDIR /app
# The executables and their resource bundles (SQL migrations) side by side, as SwiftPM expects.
COPY --from=build /staging/ /app/
ENV PATH=/app:$PATH \
    OPS_HOST=0.0.0.0
USER open137
CMD ["intake"]
