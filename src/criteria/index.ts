export * from './gan.js';
export * from './wasserstein.js';
