export * from './common-env.js';
export * from './load-config.js';
export * from './redis-topology.js';
