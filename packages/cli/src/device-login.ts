import { spawn } from 'node:child_process';
import { hostname } from 'node:os';
import { api } from './api-client.js';
import { onPath } from './docker-config.js';
import { EXIT } from './exit-codes.js';
import { CliError } from './output.js';

interface DeviceCode {
  deviceCode: string;
  userCode: string;
  verificationUri: string;
  verificationUriComplete: string;
  expiresIn: number;
  interval: number;
}

export interface DeviceToken {
  apiKey: string;
  keyId: string;
  org: { id: string; slug: string; name: string };
  server: string;
}

/** RFC 8628 §3.5: after a slow_down, poll 5 seconds less often. */
const SLOW_DOWN_STEP_S = 5;

/** This machine's name as the server takes it (letters, digits, `.`, `_`, `-`; ≤ 100). */
export function clientName(name = hostname()): string {
  const clean = name
    .replace(/[^A-Za-z0-9._-]+/g, '-')
    .replace(/^[^A-Za-z0-9]+/, '')
    .slice(0, 100);
  return clean || 'unknown-host';
}

/** The platform's "open this URL" command, when there is one on PATH. */
function browserOpener(): string | undefined {
  const command =
    process.platform === 'darwin' ? 'open' : process.platform === 'win32' ? undefined : 'xdg-open';
  return command && onPath(command) ? command : undefined;
}

/** Opens the page in the browser, where that can be done; never fails the login. */
function openBrowser(url: string): boolean {
  const opener = browserOpener();
  if (!opener) return false;
  try {
    const child = spawn(opener, [url], { detached: true, stdio: 'ignore' });
    child.on('error', () => undefined);
    child.unref();
    return true;
  } catch {
    return false;
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const failed = (code: 'DEVICE_CODE_EXPIRED' | 'DEVICE_ACCESS_DENIED', message: string) =>
  new CliError(code, message, undefined, EXIT.SIGN_IN_FAILED);

/**
 * Device sign-in (RFC 8628's shape, as `gh auth login` does): asks the server for a
 * code pair, tells the person where to confirm the code (and opens the browser when
 * it can), then polls until they approve. Resolves with the new partner key.
 */
export async function deviceLogin(
  server: string,
  o: { browser: boolean; json?: boolean },
): Promise<DeviceToken> {
  const code = await api<DeviceCode>(server, '/v1/device/code', {
    method: 'POST',
    body: { clientName: clientName() },
  });
  const minutes = Math.round(code.expiresIn / 60);
  // The instructions go to stderr: with --json, stdout holds only the result.
  process.stderr.write(
    `Open ${code.verificationUriComplete} and confirm the code ${code.userCode}\n` +
      `  (or open ${code.verificationUri} and enter it; it expires in ${minutes} min)\n`,
  );
  if (o.browser && process.stdout.isTTY && openBrowser(code.verificationUriComplete))
    process.stderr.write('Opened it in your browser.\n');
  process.stderr.write('Waiting for the approval…\n');
  const deadline = Date.now() + code.expiresIn * 1000;
  let interval = code.interval;
  for (;;) {
    await sleep(interval * 1000);
    if (Date.now() >= deadline)
      throw failed(
        'DEVICE_CODE_EXPIRED',
        `the code ${code.userCode} expired before anyone approved it`,
      );
    try {
      return await api<DeviceToken>(server, '/v1/device/token', {
        method: 'POST',
        body: { deviceCode: code.deviceCode },
      });
    } catch (error) {
      if (!(error instanceof CliError)) throw error;
      if (error.code === 'DEVICE_AUTHORIZATION_PENDING') continue;
      if (error.code === 'DEVICE_SLOW_DOWN') {
        interval += SLOW_DOWN_STEP_S;
        continue;
      }
      if (error.code === 'DEVICE_ACCESS_DENIED')
        throw failed('DEVICE_ACCESS_DENIED', `the sign-in with code ${code.userCode} was declined`);
      if (error.code === 'DEVICE_CODE_EXPIRED') throw failed('DEVICE_CODE_EXPIRED', error.message);
      throw error;
    }
  }
}
