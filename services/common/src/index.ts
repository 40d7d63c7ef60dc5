export * from './errors/app-error.js';
export * from './ports/index.js';
export * from './wechat/index.js';
