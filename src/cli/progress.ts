/** A progress display: a live bar on a terminal, a line every few seconds elsewhere (logs, CI). */
import cliProgress from 'cli-progress';

export interface Progress {
  update(fraction: number, fields: Record<string, string | number>): void;
  stop(): void;
}

export function progress(label: string): Progress {
  if (process.stderr.isTTY) {
    const bar = new cliProgress.SingleBar({
      stream: process.stderr,
      format: `${label} |{bar}| {percentage}% | ETA {eta_formatted} | {status}`,
      hideCursor: true,
      etaBuffer: 50,
    }, cliProgress.Presets.shades_classic);
    bar.start(1000, 0, { status: '' });
    return {
      update: (fraction, fields) => bar.update(Math.round(fraction * 1000), { status: formatFields(fields) }),
      stop: () => bar.stop(),
    };
  }
  let lastPrinted = 0;
  return {
    update: (fraction, fields) => {
      const now = Date.now();
      if (now - lastPrinted < 5000 && fraction < 1) return;
      lastPrinted = now;
      process.stderr.write(`${label} ${(fraction * 100).toFixed(0).padStart(3)}% ${formatFields(fields)}\n`);
    },
    stop: () => {},
  };
}

function formatFields(fields: Record<string, string | number>): string {
  return Object.entries(fields)
    .map(([k, v]) => `${k} ${typeof v === 'number' ? (Number.isInteger(v) ? v : v.toFixed(3)) : v}`)
    .join(' | ');
}
