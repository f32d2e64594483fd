# The image deploy/kubernetes/ runs as coffer:<version>: one `coffer` binary for the server, the
# CLI, the agent (injected into pods) and the injector. Built with `docker build -t coffer:0.1.0 .`
FROM node:20-bookworm-slim AS build
# Native addons (better-sqlite3, sodium-native, pkcs11js) build here when no prebuilt binary fits.
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json tsconfig.json ./
COPY src ./src
COPY bin ./bin
# npm ci builds too (the prepare script runs tsc); only src/ is here, so tsconfig's test, bench
# and example globs match nothing.
RUN npm ci && npm prune --omit=dev

FROM node:20-bookworm-slim
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist/src ./dist/src
COPY --from=build /app/bin ./bin
RUN ln -s /app/bin/coffer.js /usr/local/bin/coffer
# vault-k8s's user and group, which the injector's agents run as (agent-run-as-user/-group); the
# server's data directory is a volume the StatefulSet mounts.
USER 100:1000
ENTRYPOINT ["coffer"]
CMD ["server", "-dev"]
