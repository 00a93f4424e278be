/** `discern data highres --out DIR`: the thin digits the highres task trains on, as PNG files. */
import { resolve } from 'node:path';
import { writePngFolder } from '../data/png_folder.js';
import { thinDigits } from '../data/thin_digits.js';

export function writeThinDigits(options: { resolution: number; count: number; seed: number; out?: string; json: boolean }): void {
  if (options.out === undefined) throw new Error('discern data highres needs --out <dir>: the folder to write the PNG files into');
  const start = performance.now();
  const images = thinDigits({ resolution: options.resolution, count: options.count, seed: options.seed });
  const files = writePngFolder(images, resolve(options.out), 'thin');
  const summary = { source: images.source, resolution: options.resolution, count: files.length, folder: resolve(options.out), seconds: (performance.now() - start) / 1000 };
  if (options.json) console.log(JSON.stringify(summary));
  else console.log(`wrote ${files.length} ${images.source} at ${options.resolution}×${options.resolution} to ${summary.folder} in ${summary.seconds.toFixed(1)} s`);
}
