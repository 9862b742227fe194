# syntax=docker/dockerfile:1
# Switchboard images, one multi-stage file with three targets (docker-compose.yml builds each):
#   api           the API serving the builder app (web/dist)
#   flow-worker   callFlow workflows and bookkeeping, with the workflow bundle built ahead of time
#   media-worker  LiveKit sessions, espeak-ng speech, PocketSphinx recognition
# All run as the unprivileged `node` user on node:20-slim. The processes run their TypeScript with
# tsx, as in development, so the code in the image is the code the tests ran.

ARG NODE_IMAGE=node:20-slim

# ---- production dependencies only ------------------------------------------------------------
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
# onnxruntime-node ships its CPU binaries in the package; skip its optional GPU download.
ENV ONNXRUNTIME_NODE_INSTALL=skip
COPY package.json package-lock.json ./
COPY packages/flow-model/package.json packages/flow-model/
COPY web/package.json web/
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

# ---- build: the web app and the workflow bundle ----------------------------------------------
FROM ${NODE_IMAGE} AS build
WORKDIR /app
ENV ONNXRUNTIME_NODE_INSTALL=skip
COPY package.json package-lock.json ./
COPY packages/flow-model/package.json packages/flow-model/
COPY web/package.json web/
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build -w web && npm run build:workflows -- dist/workflow-bundle.js

# ---- the application tree every runtime image shares ----------------------------------------
FROM deps AS source
COPY tsconfig.json ./
COPY packages/flow-model/src packages/flow-model/src
COPY activities activities
COPY api api
COPY db db
COPY lib lib
COPY workers workers
COPY workflows workflows

# ---- API + builder app -----------------------------------------------------------------------
FROM ${NODE_IMAGE} AS api
WORKDIR /app
ENV NODE_ENV=production LISTEN_HOST=0.0.0.0 PORT=3000 SWITCHBOARD_STORAGE_DIR=/data/storage
COPY --from=source /app /app
COPY --from=build /app/web/dist /app/web/dist
RUN mkdir -p /data/storage && chown node:node /data/storage
USER node
EXPOSE 3000
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/readyz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
CMD ["node", "--import", "tsx", "api/server.ts"]

# ---- flow worker -----------------------------------------------------------------------------
FROM ${NODE_IMAGE} AS flow-worker
WORKDIR /app
ENV NODE_ENV=production LISTEN_HOST=0.0.0.0 FLOW_WORKER_HEALTH_PORT=3001 WORKFLOW_BUNDLE_PATH=/app/dist/workflow-bundle.js
COPY --from=source /app /app
COPY --from=build /app/dist/workflow-bundle.js /app/dist/workflow-bundle.js
USER node
EXPOSE 3001
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.FLOW_WORKER_HEALTH_PORT||3001)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
CMD ["node", "--import", "tsx", "workers/flow-worker.ts"]

# ---- media worker ----------------------------------------------------------------------------
FROM ${NODE_IMAGE} AS media-worker
RUN apt-get update \
  && apt-get install -y --no-install-recommends espeak-ng python3-pocketsphinx pocketsphinx-en-us \
  && rm -rf /var/lib/apt/lists/*
WORKDIR /app
ENV NODE_ENV=production LISTEN_HOST=0.0.0.0 MEDIA_WORKER_HEALTH_PORT=3002 SWITCHBOARD_STORAGE_DIR=/data/storage
COPY --from=source /app /app
RUN mkdir -p /data/storage && chown node:node /data/storage
USER node
EXPOSE 3002
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.MEDIA_WORKER_HEALTH_PORT||3002)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# SIGTERM drains (no new calls; calls in progress finish within MEDIA_DRAIN_TIMEOUT_MS).
STOPSIGNAL SIGTERM
CMD ["node", "--import", "tsx", "workers/media-worker.ts"]
