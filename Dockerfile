# One image for the api and worker processes (the web app has its own stage), and a CUDA worker image.
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

# The GPU worker: the same application on NVIDIA's CUDA 12 + cuDNN 9 runtime (what onnxruntime-node
# 1.30's CUDA execution provider links against). onnxruntime-node ships only the CPU provider in its npm
# package; its install script fetches the CUDA provider (libonnxruntime_providers_cuda.so) from NuGet,
# so this stage needs network at build time (the base stage skipped it). Run it with a GPU reserved
# (docker compose --profile gpu); `npm run check:gpu` inside it proves the provider is used.
FROM nvidia/cuda:12.8.1-cudnn-runtime-ubuntu24.04 AS worker-gpu
COPY --from=base /usr/local/bin/node /usr/local/bin/node
COPY --from=base /usr/local/lib/node_modules /usr/local/lib/node_modules
RUN ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm
COPY --from=base /app /app
WORKDIR /app
RUN ONNXRUNTIME_NODE_INSTALL=cuda12 node node_modules/onnxruntime-node/script/install.js \
 && test -f node_modules/onnxruntime-node/bin/napi-v6/linux/x64/libonnxruntime_providers_cuda.so
ENV EXECUTION_PROVIDER=cuda NVIDIA_VISIBLE_DEVICES=all NVIDIA_DRIVER_CAPABILITIES=compute,utility
WORKDIR /app/apps/worker
CMD ["node", "--import", "tsx", "src/main.ts"]

FROM base AS web
WORKDIR /app/apps/web
EXPOSE 3000
ENV PORT=3000 WEB_HOST=0.0.0.0
CMD ["node", "--import", "tsx", "server.ts"]
