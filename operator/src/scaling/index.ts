export * from './behavior.js';
export * from './decide.js';
export * from './prescale.js';
export * from './replica-calculator.js';
export * from './scaling.types.js';
export * from './tiers.js';
