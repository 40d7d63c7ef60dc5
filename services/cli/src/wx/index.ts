export * from './crypt-errors.js';
export * from './decrypt.js';
export * from './encrypt.js';
export * from './io.js';
export * from './parse.js';
export * from './register.js';
export * from './sign.js';
