export * from './infrastructure.js';
export * from './service-shell.js';
