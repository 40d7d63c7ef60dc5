export * from './coordination.js';
export * from './queue.js';
