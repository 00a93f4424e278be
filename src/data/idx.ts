/**
 * The IDX format of the original MNIST files (http://yann.lecun.com/exdb/mnist/), all big-endian:
 *
 *   bytes 0-1           0x00 0x00
 *   byte  2             element type (0x08 = unsigned byte, the only one MNIST uses)
 *   byte  3             rank r
 *   bytes 4 .. 4+4r     r uint32 dimensions, outermost first
 *   the rest            the elements, row-major, exactly the product of the dimensions
 *
 * so MNIST images start with magic 0x00000803 ([N, 28, 28]) and labels with 0x00000801 ([N]).
 */

/** A data file that is missing, corrupt or not what it should be; the message says how to fix it. */
export class DataError extends Error {
  override name = 'DataError';
}

export interface IdxArray {
  dims: number[];
  data: Uint8Array;
}

const UNSIGNED_BYTE = 0x08;
const TYPE_NAMES: Record<number, string> = {
  0x08: 'unsigned byte',
  0x09: 'signed byte',
  0x0b: 'int16',
  0x0c: 'int32',
  0x0d: 'float32',
  0x0e: 'float64',
};

const hex = (n: number, digits: number) => `0x${n.toString(16).padStart(digits, '0')}`;

/**
 * Parses an IDX file of unsigned bytes. `data` is a view into `bytes`, not a copy. `file` names
 * the source in error messages and `fix` tells the user what to do about a bad file.
 */
export function parseIdx(
  bytes: Uint8Array,
  file: string,
  fix = 'replace it with an intact IDX file',
): IdxArray {
  const fail = (problem: string): never => {
    throw new DataError(`${file}: ${problem}; ${fix}`);
  };
  if (bytes.length < 4) fail(`truncated header: an IDX file starts with 4 bytes, found ${bytes.length}`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = view.getUint32(0);
  if (bytes[0] !== 0 || bytes[1] !== 0) {
    fail(`not an IDX file: magic number ${hex(magic, 8)} does not start with 0x0000`);
  }
  const type = bytes[2];
  if (type !== UNSIGNED_BYTE) {
    const name = TYPE_NAMES[type] ?? 'unknown';
    fail(`unsupported element type ${hex(type, 2)} (${name}); only 0x08 (unsigned byte) is read`);
  }
  const rank = bytes[3];
  const headerLength = 4 + 4 * rank;
  if (bytes.length < headerLength) {
    fail(`truncated header: rank ${rank} needs ${headerLength} header bytes, found ${bytes.length}`);
  }
  const dims = Array.from({ length: rank }, (_, i) => view.getUint32(4 + 4 * i));
  const expected = dims.reduce((product, dim) => product * dim, 1);
  const found = bytes.length - headerLength;
  if (found < expected) fail(`truncated: expected ${expected} bytes of data, found ${found}`);
  if (found > expected) fail(`has ${found - expected} trailing bytes after ${expected} bytes of data`);
  return { dims, data: bytes.subarray(headerLength) };
}
