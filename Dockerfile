# Huying's image: Node 20 on Debian bookworm (glibc: the prebuilt native modules — the chart's
# canvas, jieba — need nothing beyond libc), production dependencies only, run as the
# unprivileged `node` user. The TypeScript is compiled in a build stage (`npm run build`, dist/),
# which bin/huying.js runs: no compiler in memory at run time.
# The Chinese font for the chart (Noto Sans SC) comes from npm with the dependencies, so the
# image needs no system fonts. CI does not build this image (see the README's Production section).

FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json tsconfig.json tsconfig.build.json ./
RUN npm ci --no-audit --no-fund
COPY bin ./bin
COPY bot ./bot
COPY config ./config
COPY db ./db
COPY handlers ./handlers
COPY jobs ./jobs
RUN node bin/build.js

FROM node:20-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

FROM node:20-bookworm-slim
ENV NODE_ENV=production \
    HUYING_DATA_DIR=/data \
    PORT=3000 \
    MALLOC_ARENA_MAX=2
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY package.json ./
COPY bin ./bin
COPY bot ./bot
COPY config ./config
COPY db ./db
COPY handlers ./handlers
COPY jobs ./jobs
COPY --from=build /app/dist ./dist
# the data folder (embedded database, WeChat session): a volume, writable by the app's user
RUN mkdir -p /data && chown node:node /data
USER node
EXPOSE 3000
VOLUME ["/data"]
# liveness: the process answers HTTP (compose.yaml checks readiness, /readyz, instead)
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
ENTRYPOINT ["node", "--max-old-space-size=192", "--max-semi-space-size=4", "bin/huying.js"]
CMD ["serve"]
