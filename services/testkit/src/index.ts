export * from './rabbit.js';
export * from './redis.js';
export * from './wait.js';
