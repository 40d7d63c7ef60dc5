export * from './fixtures.js';
export * from './load-recorder.js';
export * from './mysql.js';
export * from './rabbit.js';
export * from './redis.js';
export * from './wait.js';
