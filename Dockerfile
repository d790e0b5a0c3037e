# Fleetline platform image: every role by default; FLEET_ROLES picks some when scaling out.
FROM node:20-bookworm-slim
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund
COPY engine engine
COPY actors actors
COPY adapters adapters
COPY api api
COPY bench bench
COPY tsconfig.json ./
ENV FLEET_DATA_DIR=/data
VOLUME /data
EXPOSE 8080 5055 5027 5027/udp 5023
CMD ["node", "--import", "tsx", "engine/main.ts"]
