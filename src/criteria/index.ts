export * from './gan.js';
export * from './wasserstein.js';
export * from './nce.js';
export * from './mmd.js';
export * from './sinkhorn.js';
export * from './energy.js';
export * from './elbo.js';
