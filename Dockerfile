# syntax=docker/dockerfile:1
# lan-agent-server: a build stage compiles TypeScript with the dev dependencies; the runtime
# stage holds production dependencies, the compiled code and the seed, and runs as `node`.

ARG NODE_IMAGE=node:20-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY scripts ./scripts
COPY src ./src
# tsc, then scripts/copy-assets.mjs puts the Lua scripts, the installer template and the
# reference agent beside the compiled modules that read them.
RUN npm run build

FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=4455
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
COPY seed ./seed
# The image's own unprivileged user (uid 1000); nothing under /app is writable by it.
USER node
EXPOSE 4455
# slim images have no curl: node's fetch asks /readyz (storage answers, a signing key loaded).
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||4455)+'/readyz',{signal:AbortSignal.timeout(2500)}).then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
CMD ["node", "dist/server.js"]
