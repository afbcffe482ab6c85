export * from './env.js';
export * from './paths.js';
