/**
 * Grayscale image sets: any folder of PNGs in, a folder of PNGs out. Colour images become their
 * luminance (Rec. 601), transparency is composited over black, 16-bit samples are rounded to 8.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { PNG } from 'pngjs';
import { writeAtomically } from '../write_atomically.js';
import { DataError } from './idx.js';

/** count × height × width 8-bit pixels, row-major per image. */
export interface GrayImages {
  pixels: Uint8Array;
  count: number;
  height: number;
  width: number;
  /** Where the images came from, for messages and reports. */
  source: string;
}

function listPngs(dir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new DataError(`${dir}: ${code === 'ENOENT' ? 'no such folder' : code === 'ENOTDIR' ? 'not a folder' : `cannot be read (${code})`}; give a folder of .png files`);
  }
  const pngs = names.filter((n) => n.toLowerCase().endsWith('.png')).sort();
  if (pngs.length === 0) throw new DataError(`${dir}: holds no .png files; give a folder of .png images of one size`);
  return pngs;
}

/** Loads every .png in `dir` (sorted by name) as 8-bit grayscale; all must share one size. */
export function loadPngFolder(dir: string): GrayImages {
  const path = resolve(dir);
  const names = listPngs(path);
  let height = 0;
  let width = 0;
  let pixels = new Uint8Array(0);
  names.forEach((name, n) => {
    const file = join(path, name);
    let png: PNG;
    try {
      png = PNG.sync.read(readFileSync(file));
    } catch (error) {
      throw new DataError(`${file}: not a readable PNG (${(error as Error).message}); remove or replace it`);
    }
    if (n === 0) {
      ({ height, width } = png);
      pixels = new Uint8Array(names.length * height * width);
    } else if (png.height !== height || png.width !== width) {
      throw new DataError(`${file}: is ${png.width}×${png.height} but ${names[0]} is ${width}×${height}; every image in the folder must have one size`);
    }
    // pngjs decodes every colour type and depth to 8-bit RGBA.
    const rgba = png.data;
    const offset = n * height * width;
    for (let p = 0; p < height * width; p++) {
      const luminance = 0.299 * rgba[4 * p]! + 0.587 * rgba[4 * p + 1]! + 0.114 * rgba[4 * p + 2]!;
      pixels[offset + p] = Math.round((luminance * rgba[4 * p + 3]!) / 255);
    }
  });
  return { pixels, count: names.length, height, width, source: path };
}

/** An 8-bit grayscale PNG of width × height pixels. */
export function encodeGrayPng(pixels: Uint8Array, width: number, height: number): Buffer {
  const png = new PNG({ width, height, colorType: 0, inputColorType: 0, inputHasAlpha: false });
  png.data = Buffer.from(pixels.buffer, pixels.byteOffset, pixels.byteLength);
  return PNG.sync.write(png, { colorType: 0, inputColorType: 0, inputHasAlpha: false });
}

/** Writes each image as `<prefix>-00000.png`, … in `dir` (created), each file whole or not at all. */
export function writePngFolder(images: GrayImages, dir: string, prefix = 'image'): string[] {
  const { height, width } = images;
  const digits = Math.max(5, String(images.count - 1).length);
  return Array.from({ length: images.count }, (_, n) => {
    const file = join(dir, `${prefix}-${String(n).padStart(digits, '0')}.png`);
    writeAtomically(file, encodeGrayPng(images.pixels.subarray(n * height * width, (n + 1) * height * width), width, height));
    return file;
  });
}
