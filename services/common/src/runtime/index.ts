export * from './access-events.js';
export * from './infrastructure.js';
export * from './log-sink.js';
