export * from './errors/app-error.js';
export * from './ports/index.js';
export * from './wechat/index.js';
export * from './config/index.js';
export * from './http/index.js';
export * from './logging/index.js';
export * from './telemetry/index.js';
