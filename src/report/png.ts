/** Sample grids as PNG files. */
import { encodeGrayPng } from '../data/png_folder.js';
import { writeAtomically } from '../write_atomically.js';

export interface ImageBatch {
  /** count × height × width values in [−1, 1] (grayscale), row-major per image. */
  pixels: Float32Array;
  count: number;
  height: number;
  width: number;
}

/** Lays images out in a grid with a 2-pixel dark border and encodes it as a grayscale PNG. */
export function encodeImageGrid({ pixels, count, height, width }: ImageBatch, columns = Math.ceil(Math.sqrt(count))): Buffer {
  if (pixels.length !== count * height * width) {
    throw new Error(`image grid: ${pixels.length} values do not make ${count} images of ${height}×${width}`);
  }
  const rows = Math.ceil(count / columns);
  const gap = 2;
  const gridWidth = columns * (width + gap) + gap;
  const gridHeight = rows * (height + gap) + gap;
  const data = new Uint8Array(gridWidth * gridHeight).fill(24);
  for (let i = 0; i < count; i++) {
    const top = gap + Math.floor(i / columns) * (height + gap);
    const left = gap + (i % columns) * (width + gap);
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const v = pixels[(i * height + y) * width + x]!;
        data[(top + y) * gridWidth + left + x] = Math.round(Math.min(1, Math.max(-1, v)) * 127.5 + 127.5);
      }
    }
  }
  return encodeGrayPng(data, gridWidth, gridHeight);
}

/** Writes atomically (temp file + rename), so a crash never leaves a half-written image. */
export function writeImageGrid(path: string, batch: ImageBatch, columns?: number): void {
  writeAtomically(path, encodeImageGrid(batch, columns));
}
