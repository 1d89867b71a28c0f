# scc-responder: the worker, the intake (Pub/Sub pull, push, SCC poller), the console and the CLI, in one
# image. Node 26 LTS on Debian trixie (glibc: the Temporal core bridge ships glibc binaries), non-root.
#   docker build -t scc-responder .
#   docker run --rm scc-responder worker          (configure with the variables in docs/configuration.md)

FROM node:26-trixie-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY bin ./bin
COPY src ./src
RUN node node_modules/typescript/bin/tsc -p tsconfig.build.json \
 && node bin/scc-responder.js bundle dist/workflow-bundle.js \
 && node bin/scc-responder.js bundle --tracing dist/workflow-bundle-traced.js \
 && npm prune --omit=dev --ignore-scripts --no-audit --no-fund

FROM node:26-trixie-slim
ENV NODE_ENV=production \
    SCC_WORKFLOW_BUNDLE=/app/dist/workflow-bundle.js \
    SCC_TRACED_WORKFLOW_BUNDLE=/app/dist/workflow-bundle-traced.js \
    SCC_DATA_DIR=/var/lib/scc-responder
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/bin ./bin
# The lab reads its scenario from the source tree (tsc does not copy JSON).
COPY --from=build /app/src/lab/scenarios ./src/lab/scenarios
# The console's static pages are served from the source tree too.
COPY --from=build /app/src/server/console ./src/server/console
RUN mkdir -p /var/lib/scc-responder && chown node:node /var/lib/scc-responder
USER node
ENTRYPOINT ["node", "bin/scc-responder.js"]
CMD ["worker"]
