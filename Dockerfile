# Image for the worker, the Visitor emulator and the client scripts.
FROM node:20-bookworm-slim
WORKDIR /app
COPY package.json package-lock.json ./
# npm install, not npm ci: the lockfile lists only linux-x64 optional binaries (see dev/stack/bootstrap.mjs).
RUN npm install --no-audit --no-fund
COPY . .
RUN npx tsx temporal/bundle.ts
USER node
CMD ["npm", "start"]
