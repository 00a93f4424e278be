export * from './engine/index.js';
export * from './criteria/index.js';
export * as layers from './models/layers.js';
export * as ganModels from './models/gan.js';
