# ecsim in a small image, for the sweep recipes (Kubernetes Indexed Jobs, AWS
# Batch array jobs) in the README. Build: docker build -t ecsim .
# Untested in CI: the machines CI runs on have no container engine.

FROM rust:1.95-slim-bookworm AS build
WORKDIR /src
COPY . .
RUN cargo build --release --locked --bin ecsim

# The binary needs only libc and libgcc_s, which bookworm-slim has; the catalog
# and prices are inside it. No ENTRYPOINT: AWS Batch's `command` replaces CMD
# only, and the recipes run `sh -c "ecsim …"`.
FROM debian:bookworm-slim
COPY --from=build /src/target/release/ecsim /usr/local/bin/ecsim
COPY scenarios /opt/ecsim/scenarios
WORKDIR /work
CMD ["ecsim", "--help"]
