export * from './commands/dev.js';
export * from './commands/migrate.js';
export * from './commands/sim.js';
export * from './dev/demo-account.js';
export { buildProgram, main } from './main.js';
export * from './seed/seed.js';
