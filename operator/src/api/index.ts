export * from './crd.js';
export * from './defaults.js';
export * from './generated-files.js';
export * from './v1alpha1.js';
export * from './validation.js';
