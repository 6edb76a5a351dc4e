# syntax=docker/dockerfile:1
#
# sudi (论文速递) in a container: `docker build -t sudi .`, then
#   docker run -d --name sudi --init --restart unless-stopped -v sudi-data:/data \
#     -e TELEGRAM_BOT_TOKEN=... -e OPENAI_API_KEY=... sudi
# The SQLite database (the only mutable state) lives in the /data volume; the image's own files
# (the bundle, prompts/, data/topics.json) stay in the image, so no mount can hide them and an
# upgrade brings the new taxonomy.

# --- build: all dependencies, the sources, the bundle, then production dependencies only -----
FROM node:20-bookworm-slim AS build
WORKDIR /app
# better-sqlite3 downloads a prebuilt binary when one matches, else compiles with node-gyp.
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
# npm 11 reads package.json's allowScripts (the install scripts we trust: better-sqlite3,
# esbuild); the image's npm 10 would not.
RUN npm install -g npm@11 && npm --version
COPY package.json package-lock.json ./
# Dev dependencies too: esbuild builds the bundle. The root package's `prepare` (the build) needs
# the sources, which are not here yet: scripts are skipped, then the two native packages are
# built on their own. This layer is reused until the lockfile changes.
RUN npm ci --no-audit --no-fund --ignore-scripts \
 && npm rebuild better-sqlite3 esbuild
COPY . .
# The bundle (dist/sudi), then only production dependencies. Fail the build, not the first
# start, when the native module or the CLI is broken.
RUN npm run build \
 && npm prune --omit=dev --no-audit --no-fund \
 && npm cache clean --force \
 && node -e "new (require('better-sqlite3'))(':memory:').prepare('select 1').get()" \
 && node bin/sudi.js --help > /dev/null

# --- run: the same files on a clean slim image, as the unprivileged `node` user --------------
FROM node:20-bookworm-slim
# fonts-noto-cjk: the 周报/月报 chart draws Chinese labels with Noto Sans CJK (without it the
# chart is left out of reports, never drawn with boxes).
RUN apt-get update \
 && apt-get install -y --no-install-recommends fonts-noto-cjk \
 && rm -rf /var/lib/apt/lists/*
ENV NODE_ENV=production \
    SUDI_DB_PATH=/data/sudi.db
WORKDIR /app
COPY --from=build /app /app
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME ["/data"]
# Healthy while the scheduler's heartbeat (written every minute into the database) is fresh.
HEALTHCHECK --interval=60s --timeout=30s --start-period=2m --retries=3 \
  CMD ["node", "bin/sudi.js", "health"]
# SIGTERM (docker stop) finishes the message in flight, stops the cron jobs and closes the
# database; give it time: docker stop -t 30.
STOPSIGNAL SIGTERM
ENTRYPOINT ["node", "bin/sudi.js"]
# Never the console chat in a container: with no platform configured, exit 78 saying what to set
# (instead of exiting 0 at once, which `--restart unless-stopped` would loop on).
CMD ["start", "--no-console"]
