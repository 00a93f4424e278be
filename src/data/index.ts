export { DataError, parseIdx, type IdxArray } from './idx.js';
export {
  loadMnist,
  mnistBatch,
  type LoadMnistOptions,
  type MnistSet,
  type MnistSplit,
} from './mnist.js';
