export * from './local-process-driver.js';
export * from './local-scaler.js';
