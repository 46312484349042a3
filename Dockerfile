# Image for the worker, the Engage SCIM API, the Visitor emulator, the migrations and the client
# scripts (docker-compose.yml, deploy/helm). test/check/docker.test.ts runs its build steps outside
# Docker: keep every RUN a command that works in a copy of the build context.
FROM node:20-bookworm-slim
WORKDIR /app
COPY package.json package-lock.json ./
# npm install, not npm ci: the lockfile lists only linux-x64 optional binaries (see dev/stack/bootstrap.mjs).
RUN npm install --no-audit --no-fund
COPY . .
RUN npx tsx temporal/bundle.ts
# The emulator's state directory, owned by "node": a named volume mounted there (docker-compose.yml)
# starts with this ownership, so the emulator can write it (it could not when Docker created it as root).
RUN install -d -o node -g node /data
USER node
# node itself in exec form, no npm or shell in between, so SIGTERM reaches the worker and it drains
# (compose adds tini as PID 1 with init: true; Kubernetes sends the signal to this process).
CMD ["node", "--import", "tsx", "workers/main.ts"]
