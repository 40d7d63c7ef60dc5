export * from './crypto.js';
export * from './message-types.js';
export * from './reply-types.js';
export * from './signature.js';
export * from './xml.js';
