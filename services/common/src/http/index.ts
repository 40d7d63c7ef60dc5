export * from './app-factory.js';
export * from './error-status.js';
export * from './server.js';
