/**
 * The Kubernetes operator for the `WeChatPlatform` custom resource (ARCHITECTURE §6) is
 * built by its own issue; this workspace exists so the monorepo layout, build and lint are
 * already in place for it. It exports nothing yet.
 */
export {};
