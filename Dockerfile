# Build on the Node the project runs on (package.json engines, .nvmrc), then keep only what runs.
FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build

FROM node:24-bookworm-slim
WORKDIR /app
COPY package.json package-lock.json ./
# The image's own Node 24 runs the services: the development-only `node` package is left out with the other devDependencies.
RUN npm ci --omit=dev --no-audit --no-fund
COPY --from=build /app/dist ./dist
ENV NODE_ENV=production
# The command picks the service: dist/gateway/main.js, dist/write-service/main.js or dist/read-service/main.js
CMD ["node", "--enable-source-maps", "dist/gateway/main.js"]
