# Image for the worker, the Visitor emulator and the client scripts.
FROM node:20-bookworm-slim
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npx tsx workers/bundle.ts
USER node
CMD ["npm", "start"]
