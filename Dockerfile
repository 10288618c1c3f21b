# syntax=docker/dockerfile:1.7
# One image per app from the same source: docker build --build-arg APP=ledger -t corebank/ledger .
# APP is one of card-gateway, authorization, ledger, merchant-enrichment, feed, notifications;
# the prober: --build-arg APP=prober --build-arg APP_ENTRY=acceptance/prober/main.ts.
# The k8s manifests run these images as corebank/<APP> (k8s/base/apps/<APP>.yaml).

ARG NODE_IMAGE=node:20.20.2-bookworm-slim

# deps: every dependency, dev ones included, from the lockfile. better-sqlite3 12 has no prebuilt
# binary for this Node, so node-gyp builds it here (python3, make, g++).
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json .npmrc ./
RUN npm ci --no-audit --no-fund

# build: compile only the files reachable from the app's entry, aliases rewritten to relative paths.
FROM deps AS build
ARG APP
ARG APP_ENTRY=apps/${APP}/src/main.ts
RUN test -n "${APP}" || (echo 'build with --build-arg APP=<app>' >&2 && exit 1)
COPY tsconfig.json .swcrc ./
COPY apps ./apps
COPY libs ./libs
COPY acceptance ./acceptance
COPY tools/deploy ./tools/deploy
RUN node -r @swc-node/register tools/deploy/build-app.ts "${APP_ENTRY}" dist \
 && ln -s "$(echo "${APP_ENTRY}" | sed 's/\.ts$/.js/')" dist/main.js \
 && test -f dist/main.js

# prod-deps: the same node_modules (native builds kept) without dev dependencies.
FROM deps AS prod-deps
RUN npm prune --omit=dev --no-audit --no-fund

FROM ${NODE_IMAGE} AS runtime
ARG APP
ENV NODE_ENV=production \
    COREBANK_APP=${APP}
WORKDIR /app
RUN groupadd --gid 10001 corebank \
 && useradd --uid 10001 --gid corebank --no-create-home --shell /usr/sbin/nologin corebank
# Owned by root and read-only to the app user: the image works with readOnlyRootFilesystem.
COPY --from=prod-deps /app/node_modules ./node_modules
COPY --from=prod-deps /app/package.json ./package.json
COPY --from=build /app/dist ./dist
# Read at run time relative to the working directory (CARD_GATEWAY_WSDL_PATH, gRPC protos).
COPY wsdl ./wsdl
COPY proto ./proto
USER 10001:10001
# 9464: ops port (/health/live, /health/ready, /metrics), the same in k8s/ and docker-compose.yml.
EXPOSE 9464
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD ["node", "-e", "require('node:http').get('http://127.0.0.1:9464/health/live', (response) => process.exit(response.statusCode === 200 ? 0 : 1)).on('error', () => process.exit(1))"]
CMD ["node", "--enable-source-maps", "dist/main.js"]
