export * from './config.js';
export * from './log-consumer.js';
export * from './log-store.js';
export * from './partitions.js';
export * from './query-api.js';
export * from './service.js';
