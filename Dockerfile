# The single mpstack image: every service and the operator (`mpstack run <service>`).
# NOT BUILT OR RUN on the development machines (no container engine there); `docker build .`
# from the repository root is expected to work but is unproven.

# ---- build: full dependencies, compile every workspace with project references ----
FROM node:20-bookworm-slim AS build
WORKDIR /src
# better-sqlite3 compiles a native addon when no prebuilt binary matches.
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json tsconfig.json tsconfig.base.json ./
COPY services/testkit/package.json services/testkit/
COPY services/common/package.json services/common/
COPY services/simulators/package.json services/simulators/
COPY services/ingress/package.json services/ingress/
COPY services/cli/package.json services/cli/
COPY operator/package.json operator/
RUN npm ci --no-audit --no-fund
COPY services services
COPY operator operator
RUN npx tsc -b services/cli operator \
 && npm prune --omit=dev --no-audit --no-fund

# ---- runtime: production dependencies and compiled output only, non-root ----
FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production \
    MPSTACK_HOST=0.0.0.0 \
    MPSTACK_DATA_DIR=/var/lib/mpstack
WORKDIR /app
COPY --from=build --chown=root:root /src/package.json ./
COPY --from=build --chown=root:root /src/node_modules node_modules
COPY --from=build --chown=root:root /src/services/common/package.json services/common/
COPY --from=build --chown=root:root /src/services/common/dist/src services/common/dist/src
COPY --from=build --chown=root:root /src/services/simulators/package.json services/simulators/
COPY --from=build --chown=root:root /src/services/simulators/dist/src services/simulators/dist/src
COPY --from=build --chown=root:root /src/services/ingress/package.json services/ingress/
COPY --from=build --chown=root:root /src/services/ingress/dist/src services/ingress/dist/src
COPY --from=build --chown=root:root /src/services/cli/package.json services/cli/
COPY --from=build --chown=root:root /src/services/cli/bin services/cli/bin
COPY --from=build --chown=root:root /src/services/cli/dist/src services/cli/dist/src
COPY --from=build --chown=root:root /src/operator/package.json operator/
COPY --from=build --chown=root:root /src/operator/dist/src operator/dist/src
RUN mkdir -p /var/lib/mpstack && chown node:node /var/lib/mpstack
# uid 1000, matching runAsUser in the operator's Deployments.
USER node
EXPOSE 8080
ENTRYPOINT ["node", "services/cli/bin/mpstack.js"]
CMD ["--help"]
