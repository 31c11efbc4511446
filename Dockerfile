# One image for the api and worker processes (the web app has its own stage).
FROM node:20-bookworm-slim AS base
WORKDIR /app
ENV NEXT_TELEMETRY_DISABLED=1 npm_config_onnxruntime_node_install=skip
COPY . .
RUN npm ci && npm run build -w @slicewise/web --if-present

FROM base AS api
ENV API_HOST=0.0.0.0 API_PORT=4000
EXPOSE 4000
WORKDIR /app/apps/api
CMD ["node", "--import", "tsx", "src/main.ts"]

FROM base AS worker
WORKDIR /app/apps/worker
CMD ["node", "--import", "tsx", "src/main.ts"]

FROM base AS web
WORKDIR /app/apps/web
EXPOSE 3000
CMD ["node", "/app/node_modules/next/dist/bin/next", "start", "-p", "3000", "-H", "0.0.0.0"]
