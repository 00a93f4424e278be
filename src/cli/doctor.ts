/** `discern doctor`: what engine this machine runs and how to make it faster. */
import { initEngine, type EngineInfo, type TierRequest } from '../engine/index.js';

export async function runDoctor({ json, tier }: { json: boolean; tier: TierRequest }): Promise<EngineInfo> {
  const info = await initEngine(tier);
  if (json) {
    console.log(JSON.stringify(info, null, 2));
    return info;
  }
  const rows: Array<[string, string]> = [
    ['tier', info.tier],
    ['backend', info.backend],
    ['SIMD', info.simd === null ? 'n/a' : info.simd ? 'on' : 'off'],
    ['threads', String(info.threads)],
    ['native library', info.nativeLibrary ?? 'none'],
    ['discern kernels', info.overriddenKernels.join(', ') || 'none'],
    ...Object.entries(info.versions).map(([k, v]): [string, string] => [k, v]),
  ];
  for (const [k, v] of rows) console.log(`${k.padEnd(18)} ${v}`);
  for (const note of info.notes) console.log(`note: ${note}`);
  return info;
}
