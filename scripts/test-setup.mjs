// Makes sure what the tests need beyond package.json is here: PostgreSQL and Redis on
// loopback, Debian's Chromium for the SDK's browser tests, coturn for the relay test,
// a non-internal network interface (a stock Chromium gathers no loopback candidates),
// and docker-registry and skopeo for the partner-flow tests. Starts or installs them
// when they are missing (as this machine kind's notes say); under CI=true one that
// cannot be had is a failure, never a silent skip.
import { execSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import net from 'node:net';
import { networkInterfaces } from 'node:os';

const reachable = (port) =>
  new Promise((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
    s.setTimeout(1000, () => {
      s.destroy();
      resolve(false);
    });
  });

const services = [
  {
    name: 'PostgreSQL',
    port: 5432,
    start: 'pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start',
  },
  {
    name: 'Redis',
    port: 6379,
    start:
      'redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no --dir /tmp --logfile /tmp/latchkey-redis.log',
  },
];

let missing = 0;
for (const svc of services) {
  if (await reachable(svc.port)) continue;
  console.log(`test-setup: ${svc.name} is down on 127.0.0.1:${svc.port}; starting it`);
  try {
    execSync(svc.start, { stdio: 'inherit', shell: '/bin/bash' });
  } catch {}
  for (let i = 0; i < 50 && !(await reachable(svc.port)); i++)
    await new Promise((r) => setTimeout(r, 200));
  if (!(await reachable(svc.port))) {
    console.error(`test-setup: ${svc.name} is not reachable on 127.0.0.1:${svc.port}`);
    missing++;
  }
}
const hasCommand = (cmd) => {
  try {
    execSync(`command -v ${cmd}`, { stdio: 'ignore', shell: '/bin/sh' });
    return true;
  } catch {
    return false;
  }
};

/** Installs Debian `packages` with apt-get unless `present()`; counts a failure as missing. */
function aptInstall(packages, present, need) {
  if (present()) return;
  console.log(`test-setup: ${packages.join(' and ')} missing; installing with apt-get`);
  try {
    execSync(
      `apt-get update && apt-get install -y -o DPkg::Lock::Timeout=300 ${packages.join(' ')}`,
      {
        stdio: 'inherit',
        shell: '/bin/bash',
        env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
      },
    );
  } catch {}
  if (!present()) {
    console.error(`test-setup: could not install ${packages.join(' and ')}; ${need}`);
    missing++;
  }
}

const CHROMIUM = '/usr/bin/chromium';
aptInstall(['chromium'], () => existsSync(CHROMIUM), `the browser tests need ${CHROMIUM}`);
// The partner-flow tests push to a real CNCF distribution registry with skopeo.
aptInstall(
  ['docker-registry', 'skopeo'],
  () => hasCommand('docker-registry') && hasCommand('skopeo'),
  'the partner-flow tests need them',
);
// The relay tests run a real TURN server (Debian's coturn; nothing starts by itself).
aptInstall(
  ['coturn'],
  () => existsSync('/usr/bin/turnserver'),
  'the relay tests need /usr/bin/turnserver',
);

// A Chromium without --allow-loopback-in-peer-connection gathers candidates only on
// non-internal interfaces. A machine with none (a bare CI container) gets a dummy one
// with a private address: traffic to it stays on the machine.
const hasInterface = () =>
  Object.values(networkInterfaces()).some((infos) =>
    (infos ?? []).some(
      (i) => i.family === 'IPv4' && !i.internal && !i.address.startsWith('169.254.'),
    ),
  );
if (!hasInterface()) {
  console.log('test-setup: no non-internal IPv4 interface; adding dummy latchkey0 (198.18.0.1/32)');
  try {
    execSync(
      'ip link add latchkey0 type dummy && ip addr add 198.18.0.1/32 dev latchkey0 && ip link set latchkey0 up',
      { stdio: 'inherit', shell: '/bin/sh' },
    );
  } catch {}
  if (!hasInterface()) {
    console.error(
      'test-setup: no non-internal IPv4 interface, and a dummy one could not be added; the stock-browser realtime tests need one',
    );
    missing++;
  }
}

if (missing && process.env.CI === 'true') process.exit(1);
