# pausegate's container image: a build stage that compiles the binary, and
# a runtime stage holding only the binary, CA certificates (for HTTPS to
# targets, Entra ID, Slack…), the templates and an unprivileged user.
#
#   docker build -t pausegate .
#   docker run -p 8080:8080 -v pausegate-data:/var/lib/pausegate \
#     -e PAUSEGATE_API_KEY=… -e PAUSEGATE_PUBLIC_URL=https://pausegate.example.com pausegate
#
# The templates are also compiled into the binary; the copy under
# /usr/share/pausegate/templates is a starting point for `templates_dir`.

ARG RUST_VERSION=1.88

FROM rust:${RUST_VERSION}-bookworm AS build
WORKDIR /src
COPY . .
RUN cargo build --release --locked \
 && install -D target/release/pausegate /out/pausegate

FROM debian:bookworm-slim AS runtime
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --gid 10001 pausegate \
 && useradd --uid 10001 --gid 10001 --home-dir /var/lib/pausegate --create-home --shell /usr/sbin/nologin pausegate
COPY --from=build /out/pausegate /usr/local/bin/pausegate
COPY templates /usr/share/pausegate/templates
USER pausegate
WORKDIR /var/lib/pausegate
VOLUME ["/var/lib/pausegate"]
ENV PAUSEGATE_LISTEN=0.0.0.0:8080 \
    PAUSEGATE_DATABASE_URL=sqlite:///var/lib/pausegate/pausegate.db \
    RUST_LOG=info
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=5s --retries=3 \
  CMD ["pausegate", "healthcheck"]
ENTRYPOINT ["pausegate"]
CMD ["serve"]
