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
