import { EXIT } from './exit-codes.js';
import { CliError } from './output.js';

/**
 * Asks for a secret on the terminal without echoing it: raw mode, so the line
 * discipline never prints what is typed. Backspace edits; Ctrl-C or Ctrl-D cancels.
 */
export function promptHidden(question: string): Promise<string> {
  const input = process.stdin;
  const output = process.stderr;
  if (!input.isTTY) throw new TypeError('promptHidden needs a terminal on stdin');
  return new Promise((resolve, reject) => {
    let value = '';
    const done = (error?: CliError) => {
      input.off('data', onData);
      input.setRawMode(false);
      input.pause();
      output.write('\n');
      if (error) reject(error);
      else resolve(value);
    };
    const onData = (chunk: Buffer) => {
      for (const ch of chunk.toString('utf8')) {
        if (ch === '\r' || ch === '\n') return done();
        if (ch === '\u0003' || (ch === '\u0004' && value === ''))
          return done(
            new CliError('USAGE', 'cancelled', 'Run the command again.', EXIT.INTERRUPTED),
          );
        if (ch === '\u007f' || ch === '\b') value = value.slice(0, -1);
        else if (ch === '\u0015') value = '';
        else if (ch >= ' ') value += ch;
      }
    };
    // Raw mode before the question: once it shows, nothing typed is echoed.
    input.setRawMode(true);
    output.write(question);
    input.resume();
    input.on('data', onData);
  });
}

/** All of stdin, as text. */
export async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
