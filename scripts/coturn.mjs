// A real coturn (Debian's `coturn`, /usr/bin/turnserver) for the tests and benchmarks:
// in the foreground on loopback, on free ports, with the TURN REST-API shared secret
// (`use-auth-secret`), the way docs/realtime-networking.md configures one. Nothing
// leaves the machine: it listens and relays on 127.0.0.1 only.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { existsSync } from 'node:fs';

/** Where coturn is (LATCHKEY_TURNSERVER overrides). scripts/test-setup.mjs installs it. */
export const TURNSERVER = process.env.LATCHKEY_TURNSERVER ?? '/usr/bin/turnserver';
export const HAVE_TURNSERVER = existsSync(TURNSERVER);

/** A UDP port on 127.0.0.1 that was free a moment ago. */
async function freeUdpPort() {
  const socket = createSocket('udp4');
  await new Promise((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(0, '127.0.0.1', () => resolve(undefined));
  });
  const { port } = socket.address();
  await new Promise((resolve) => socket.close(() => resolve(undefined)));
  return port;
}

/** `count` consecutive UDP ports in 20000-29999 that were free a moment ago (coturn's relay range). */
async function freeUdpRange(count) {
  for (let attempt = 0; attempt < 50; attempt++) {
    const first = 20000 + Math.floor(Math.random() * (10000 - count));
    const sockets = [];
    try {
      for (let p = first; p < first + count; p++) {
        const s = createSocket('udp4');
        sockets.push(s);
        await new Promise((resolve, reject) => {
          s.once('error', reject);
          s.bind(p, '127.0.0.1', () => resolve(undefined));
        });
      }
      return [first, first + count - 1];
    } catch {
      // taken; try elsewhere
    } finally {
      await Promise.all(sockets.map((s) => new Promise((r) => s.close(() => r(undefined)))));
    }
  }
  throw new Error(`no ${count} free UDP ports in a row on 127.0.0.1`);
}

/**
 * Starts coturn and resolves once it listens. `urls` and `secret` are what
 * LATCHKEY_TURN_URLS and LATCHKEY_TURN_SECRET take; `close()` stops it.
 */
export async function startCoturn({ relayPorts = 40 } = {}) {
  if (!HAVE_TURNSERVER)
    throw new Error(`coturn is not at ${TURNSERVER} (node scripts/test-setup.mjs installs it)`);
  const port = await freeUdpPort();
  const [min, max] = await freeUdpRange(relayPorts);
  const secret = randomBytes(24).toString('base64url');
  const child = spawn(
    TURNSERVER,
    [
      '-n', // no config file: everything is on this line
      '--listening-ip=127.0.0.1',
      '--relay-ip=127.0.0.1',
      `--listening-port=${port}`,
      `--min-port=${min}`,
      `--max-port=${max}`,
      '--use-auth-secret',
      `--static-auth-secret=${secret}`,
      '--realm=latchkey.test',
      '--no-tls',
      '--no-dtls',
      '--no-tcp',
      '--no-cli',
      '--no-multicast-peers',
      // The peers (browser and runtime) are on this machine's loopback in the tests.
      '--allow-loopback-peers',
      '--fingerprint',
      '--log-file=stdout',
      '--simple-log',
      '-v',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let log = '';
  const onData = (d) => {
    log += d;
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`coturn did not start:\n${log}`)), 15_000);
    const check = () => {
      if (/listener opened on|Total UDP servers|IPv4\. UDP listener opened/i.test(log)) {
        clearTimeout(timer);
        child.stdout.off('data', check);
        resolve(undefined);
      }
    };
    child.stdout.on('data', check);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`coturn exited with ${code}:\n${log}`));
    });
    check();
  });
  return {
    port,
    urls: [`turn:127.0.0.1:${port}?transport=udp`],
    secret,
    /** coturn's log so far (verbose: allocations show up in it). */
    log: () => log,
    close: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve(undefined);
        child.once('exit', () => resolve(undefined));
        child.kill('SIGTERM');
      }),
  };
}
