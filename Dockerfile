# alk hub — container image. Deno 2.9.6 comes from npm, as on a developer machine.
# Config from /etc/alkhub/config.json, master key from /run/secrets/hub_master_key.
FROM node:20-bookworm-slim

RUN npm install --global deno@2.9.6 && deno --version

WORKDIR /app
COPY deno.json deno.lock ./
COPY src ./src
# Resolve and cache every npm dependency at build time; the container needs no registry.
RUN deno install --frozen --entrypoint src/main.ts src/workers/coordinator.ts

ENV HUB_HOST=0.0.0.0 \
    HUB_PORT=3000 \
    HUB_DATA_DIR=/data \
    HUB_CONFIG=/etc/alkhub/config.json \
    NO_COLOR=1
RUN mkdir -p /data && chown node:node /data
VOLUME /data
USER node
EXPOSE 3000

HEALTHCHECK --interval=30s --timeout=5s --retries=3 \
  CMD ["deno", "eval", "const r = await fetch('http://127.0.0.1:3000/health'); Deno.exit(r.ok ? 0 : 1)"]

# SIGTERM (docker stop) drains in-flight work and exits 0.
STOPSIGNAL SIGTERM
CMD ["deno", "run", "--allow-all", "--frozen", "src/main.ts", "serve"]
