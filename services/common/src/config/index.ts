export * from './common-env.js';
export * from './load-config.js';
