/**
 * Checkpoint files: named float32 arrays plus JSON metadata, with a SHA-256 of the contents so a
 * truncated or corrupted file is detected and named instead of loading garbage.
 *
 *   "DISCERN-CKPT 1\n" | header length (uint32 LE) | header JSON | payload (float32 LE, 4-byte aligned)
 *
 * The header lists { name, shape, offset } per array, the metadata and the payload's SHA-256.
 * Writes go to a temporary file that is flushed and renamed over the target, so a crash leaves
 * either the old checkpoint or the new one, never a mixture.
 */
import { createHash } from 'node:crypto';
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';

const MAGIC = 'DISCERN-CKPT 1\n';

export class CheckpointError extends Error {
  override name = 'CheckpointError';
}

export interface Checkpoint {
  arrays: Map<string, { shape: number[]; values: Float32Array }>;
  meta: Record<string, unknown>;
}

interface Header {
  arrays: Array<{ name: string; shape: number[]; offset: number }>;
  meta: Record<string, unknown>;
  payloadBytes: number;
  sha256: string;
}

const count = (shape: number[]) => shape.reduce((a, b) => a * b, 1);

export function encodeCheckpoint({ arrays, meta }: Checkpoint): Buffer {
  const entries: Header['arrays'] = [];
  let offset = 0;
  for (const [name, { shape, values }] of arrays) {
    if (values.length !== count(shape)) {
      throw new CheckpointError(`array '${name}' has ${values.length} values but shape [${shape}]`);
    }
    entries.push({ name, shape, offset });
    offset += values.length * 4;
  }
  const payload = Buffer.alloc(offset);
  for (const [i, [, { values }]] of [...arrays].entries()) {
    Buffer.from(values.buffer, values.byteOffset, values.byteLength).copy(payload, entries[i]!.offset);
  }
  const header: Header = {
    arrays: entries,
    meta,
    payloadBytes: payload.length,
    sha256: createHash('sha256').update(payload).digest('hex'),
  };
  let headerBytes = Buffer.from(JSON.stringify(header));
  // Pad the header so the payload starts 4-byte aligned (Float32Array views need it).
  const pad = (4 - ((MAGIC.length + 4 + headerBytes.length) % 4)) % 4;
  headerBytes = Buffer.concat([headerBytes, Buffer.from(' '.repeat(pad))]);
  const length = Buffer.alloc(4);
  length.writeUInt32LE(headerBytes.length);
  return Buffer.concat([Buffer.from(MAGIC), length, headerBytes, payload]);
}

export function decodeCheckpoint(bytes: Buffer, file: string): Checkpoint {
  const fail = (problem: string): never => {
    throw new CheckpointError(`${file}: ${problem}; the file is damaged or not a discern checkpoint`);
  };
  if (bytes.length < MAGIC.length + 4 || bytes.toString('latin1', 0, MAGIC.length) !== MAGIC) fail('not a discern checkpoint (bad magic)');
  const headerLength = bytes.readUInt32LE(MAGIC.length);
  const payloadStart = MAGIC.length + 4 + headerLength;
  if (payloadStart > bytes.length) fail(`truncated inside the header (${bytes.length} bytes)`);
  let header: Header;
  try {
    header = JSON.parse(bytes.toString('utf8', MAGIC.length + 4, payloadStart)) as Header;
  } catch {
    return fail('unreadable header');
  }
  const payload = bytes.subarray(payloadStart);
  if (payload.length !== header.payloadBytes) {
    fail(`payload is ${payload.length} bytes, the header says ${header.payloadBytes} (truncated or appended to)`);
  }
  if (createHash('sha256').update(payload).digest('hex') !== header.sha256) fail('checksum mismatch (contents corrupted)');
  const aligned = new Uint8Array(payload).buffer; // a copy, aligned at 0
  const arrays = new Map<string, { shape: number[]; values: Float32Array }>();
  for (const { name, shape, offset } of header.arrays) {
    arrays.set(name, { shape, values: new Float32Array(aligned, offset, count(shape)) });
  }
  return { arrays, meta: header.meta };
}

/** Writes atomically: temporary file, fsync, rename. */
export function saveCheckpoint(path: string, checkpoint: Checkpoint): void {
  mkdirSync(dirname(path), { recursive: true });
  const temporary = `${path}.tmp-${process.pid}`;
  const bytes = encodeCheckpoint(checkpoint);
  let fd: number | null = null;
  try {
    fd = openSync(temporary, 'w');
    // writeSync may write less than asked (a nearly full disk): continue until the device refuses.
    for (let written = 0; written < bytes.length;) written += writeSync(fd, bytes, written, bytes.length - written);
    fsyncSync(fd);
    closeSync(fd);
    fd = null;
    renameSync(temporary, path);
  } catch (error) {
    if (fd !== null) closeSync(fd);
    rmSync(temporary, { force: true });
    const code = (error as NodeJS.ErrnoException).code;
    const reason = code === 'ENOSPC' ? 'no space left on the device' : code === 'EACCES' || code === 'EROFS' ? 'not writable' : String(error);
    throw new CheckpointError(`${path}: could not be written (${code ?? 'error'}: ${reason}); earlier checkpoints are untouched`);
  }
}

export function loadCheckpoint(path: string): Checkpoint {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new CheckpointError(`${path}: ${code === 'ENOENT' ? 'no such checkpoint' : `cannot be read (${code})`}`);
  }
  return decodeCheckpoint(bytes, path);
}
