FROM node:20-bookworm-slim
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build
ENV NODE_ENV=production
# The command picks the service: dist/gateway/main.js, dist/write-service/main.js or dist/read-service/main.js
CMD ["node", "--enable-source-maps", "dist/gateway/main.js"]
