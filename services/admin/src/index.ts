export * from './api-error.js';
export * from './api-types.js';
export * from './app.js';
export * from './config.js';
export * from './main.js';
export * from './users/create-user.js';
export * from './users/password.js';
export * from './users/users.repository.js';
export type * from './users/users.types.js';
