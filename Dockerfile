# syntax=docker/dockerfile:1
#
# The chat server image: `docker build -t chat-server .`, then
# `docker run -p 4000:4000 -e JWT_SECRET=... chat-server` (embedded database in /app/data; the web
# app at /) or, as docker-compose.yml does, with DATABASE_URL and REDIS_URL pointing at PostgreSQL
# and Redis. The `web` target is the web app's build alone, which docker-compose hands to nginx.

ARG NODE_IMAGE=node:22-bookworm-slim
ARG BUSYBOX_IMAGE=busybox:1.37

# ---- build: every dependency, then the generated Prisma client and Pothos types ----------------
FROM ${NODE_IMAGE} AS build
WORKDIR /app
ENV npm_config_update_notifier=false npm_config_fund=false npm_config_audit=false
# The manifests first, so the dependency layers are cached until they change. The root postinstall
# (scripts/prisma-generate.mjs) reads prisma/ and prisma.config.ts, so they come before it runs.
COPY package.json package-lock.json prisma.config.ts ./
COPY server/package.json server/package.json
COPY client/web/package.json client/web/package.json
COPY prisma prisma
COPY scripts scripts
# Dependencies' install scripts stay off, as with the npm 11 the project is developed with (the
# image's npm 10 would otherwise run them, and @prisma/engines would try to download engines the
# server does not use). argon2 and esbuild load their prebuilt binaries without them. The one build
# step the project needs is the root postinstall, run explicitly.
RUN --mount=type=cache,target=/root/.npm \
    npm ci --ignore-scripts --no-audit --no-fund \
 && node scripts/prisma-generate.mjs

# ---- web-build: the web app's production build (client/web/dist) --------------------------------
FROM build AS web-build
COPY client/web client/web
RUN node scripts/build-web.mjs

# ---- server-build: the server compiled to JavaScript (server/dist), as `npm start` compiles it ----
FROM build AS server-build
COPY tsconfig.json ./
COPY server/src server/src
RUN node scripts/build-server.mjs

# ---- web: that build alone; run once, it copies itself into /srv/web (nginx's volume) ----------
FROM ${BUSYBOX_IMAGE} AS web
COPY --from=web-build /app/client/web/dist /web
# Copied over what is there: hashed assets of the previous build stay for pages still using them.
CMD ["sh", "-c", "cp -R /web/. /srv/web/"]

# ---- prod-deps: the runtime dependencies only (no test or lint tools) ----------------------------
FROM ${NODE_IMAGE} AS prod-deps
WORKDIR /app
ENV npm_config_update_notifier=false npm_config_fund=false npm_config_audit=false
COPY package.json package-lock.json ./
COPY server/package.json server/package.json
RUN --mount=type=cache,target=/root/.npm \
    npm ci --omit=dev --ignore-scripts --no-audit --no-fund

# ---- runtime ------------------------------------------------------------------------------------
FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=4000 \
    DATA_DIR=/app/data \
    npm_config_update_notifier=false
WORKDIR /app
# Code and dependencies stay owned by root (read-only for the server); only the embedded
# database's directory is writable by the `node` user the server runs as.
COPY --from=prod-deps /app/node_modules node_modules
COPY package.json package-lock.json ./
COPY server/package.json server/package.json
COPY prisma prisma
# The SDK's trusted documents (TRUSTED_DOCUMENTS_FILES).
COPY client/sdk/src/generated/trusted-documents.json client/sdk/src/generated/trusted-documents.json
# … and the web app's (client/web/src/gql/persisted-documents.json), then the app itself.
COPY client/web/src/gql/persisted-documents.json client/web/src/gql/persisted-documents.json
# The server, compiled (the generated Prisma client with it).
COPY --from=server-build /app/server/dist server/dist
COPY --from=web-build /app/client/web/dist client/web/dist
RUN mkdir -p /app/data && chown node:node /app/data

USER node
EXPOSE 4000
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=3 \
    CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 4000) + '/healthz', { signal: AbortSignal.timeout(4000) }).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# What `npm start` runs (node server/dist/main.js), as one process: under npm and `sh -c`, a SIGTERM
# from `docker stop` ends npm and the shell but never reaches the server, which then cannot drain
# its sockets and requests. Node as PID 1 gets the signal itself (main.ts handles SIGTERM/SIGINT).
STOPSIGNAL SIGTERM
CMD ["node", "server/dist/main.js"]
