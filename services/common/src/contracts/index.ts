/**
 * `@mpstack/common/contracts`: what services agree on — queue names and message formats
 * (each a zod schema behind an encode/decode pair), pub/sub channels, and the service
 * catalog — and the customer-service window's writer shared by the ingress and the WeChat API
 * client. Depends only on zod, node:crypto, the error taxonomy and the WeChat message parser.
 */
export * from './account-limits.js';
export * from './decode.js';
export * from './inbound.js';
export * from './invalidation.js';
export * from './log-events.js';
export * from './outbound.js';
export * from './service-catalog.js';
export * from './service-window.js';
