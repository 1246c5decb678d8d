const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

export interface Progress {
  update(text: string): void;
  stop(): void;
}

/** Colour only on a terminal and without NO_COLOR (https://no-color.org). */
export const useColor = (stream: NodeJS.WriteStream = process.stderr) =>
  stream.isTTY === true && !process.env.NO_COLOR && process.env.TERM !== 'dumb';

/**
 * A spinner on stderr for operations that wait on the network. Only on a
 * terminal (pipes and logs get nothing), plain without colour under NO_COLOR,
 * and off for --json.
 */
export function startProgress(text: string, options: { json?: boolean } = {}): Progress {
  const stream = process.stderr;
  if (!stream.isTTY || options.json || process.env.TERM === 'dumb')
    return { update: () => undefined, stop: () => undefined };
  const color = useColor(stream);
  let label = text;
  let i = 0;
  const draw = () => {
    const frame = FRAMES[i++ % FRAMES.length] as string;
    stream.write(`\r${color ? `\x1b[36m${frame}\x1b[39m` : frame} ${label}\x1b[K`);
  };
  draw();
  const timer = setInterval(draw, 80);
  timer.unref();
  return {
    update(next) {
      label = next;
      draw();
    },
    stop() {
      clearInterval(timer);
      stream.write('\r\x1b[K');
    },
  };
}

/** Runs `fn` under a spinner. */
export async function withProgress<T>(
  text: string,
  fn: (p: Progress) => Promise<T>,
  options: { json?: boolean } = {},
): Promise<T> {
  const p = startProgress(text, options);
  try {
    return await fn(p);
  } finally {
    p.stop();
  }
}

export interface TransferBar {
  update(done: number, total: number): void;
  stop(): void;
}

const UNITS = ['B', 'KB', 'MB', 'GB', 'TB'];

/** Bytes for people, in powers of 1000 (what `du --si`, browsers and rates use). */
export function formatBytes(n: number): string {
  let v = n;
  let i = 0;
  while (v >= 1000 && i < UNITS.length - 1) {
    v /= 1000;
    i++;
  }
  return `${i === 0 ? v : v.toFixed(1)} ${UNITS[i]}`;
}

const clock = (s: number) => {
  const t = Math.max(0, Math.round(s));
  const h = Math.floor(t / 3600);
  const m = Math.floor((t % 3600) / 60);
  const sec = String(t % 60).padStart(2, '0');
  return h ? `${h}:${String(m).padStart(2, '0')}:${sec}` : `${m}:${sec}`;
};

/**
 * A byte progress bar on stderr: done/total, rate over the last seconds, ETA. Only on a
 * terminal and without --json; redrawn at most ten times a second.
 */
export function startTransfer(label: string, options: { json?: boolean } = {}): TransferBar {
  const stream = process.stderr;
  if (!stream.isTTY || options.json || process.env.TERM === 'dumb')
    return { update: () => undefined, stop: () => undefined };
  const samples: Array<{ t: number; done: number }> = [];
  let last = 0;
  const draw = (done: number, total: number) => {
    const now = performance.now();
    samples.push({ t: now, done });
    while (samples.length > 2 && now - (samples[0] as { t: number }).t > 3000) samples.shift();
    const first = samples[0] as { t: number; done: number };
    const rate = now > first.t ? ((done - first.done) * 1000) / (now - first.t) : 0;
    const width = Math.max(10, Math.min(30, (stream.columns ?? 80) - 60));
    const filled = total > 0 ? Math.round((done / total) * width) : width;
    const bar = `${'█'.repeat(filled)}${'░'.repeat(width - filled)}`;
    const eta = rate > 0 ? clock((total - done) / rate) : '-:--';
    stream.write(
      `\r${label} ${bar} ${formatBytes(done)}/${formatBytes(total)} ${formatBytes(rate)}/s ETA ${eta}\x1b[K`,
    );
  };
  return {
    update(done, total) {
      const now = performance.now();
      if (now - last < 100 && done < total) return;
      last = now;
      draw(done, total);
    },
    stop() {
      stream.write('\r\x1b[K');
    },
  };
}
