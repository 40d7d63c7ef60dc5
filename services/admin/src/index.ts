export * from './api-error.js';
export * from './api-types.js';
export * from './app.js';
export * from './config.js';
export * from './main.js';
