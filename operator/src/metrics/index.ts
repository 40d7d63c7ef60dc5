export * from './counter-rate.js';
export * from './prometheus-source.js';
export * from './prometheus-text.js';
export * from './rabbitmq-management.js';
export * from './request-rate-source.js';
