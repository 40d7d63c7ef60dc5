export * from './accounts.repository.js';
export * from './database.js';
export * from './migrate.js';
export { migrationProvider, migrations } from './migrations/index.js';
export * from './mysql-server.js';
export * from './reply-schema.js';
export * from './rules.repository.js';
export * from './schema.js';
export * from './seed.js';
