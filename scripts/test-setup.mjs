// Makes sure what the tests need beyond package.json is here: PostgreSQL and Redis on
// loopback. Starts them when they are down (as this machine kind's notes say); under
// CI=true a service that cannot be had is a failure, never a silent skip.
import { execSync } from 'node:child_process';
import net from 'node:net';

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
if (missing && process.env.CI === 'true') process.exit(1);
