// This machine's own addresses, for the tests that need a browser-reachable one. Tests
// send traffic only to loopback and to these: never to another machine.
import { networkInterfaces } from 'node:os';

/** The first non-internal IPv4 address (scripts/test-setup.mjs makes sure there is one). */
export function lanAddress(): string {
  for (const infos of Object.values(networkInterfaces()))
    for (const info of infos ?? [])
      if (info.family === 'IPv4' && !info.internal && !info.address.startsWith('169.254.'))
        return info.address;
  throw new Error(
    'this machine has no non-internal IPv4 address, so a browser cannot reach the runtime; ' +
      'scripts/test-setup.mjs adds one on a dummy interface (latchkey0)',
  );
}
