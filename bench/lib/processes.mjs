// Child processes for the benchmarks: a clean environment, and stopping them for sure.

/** This process's environment without any Latchkey setting (the caller's `extra` wins). */
export function cleanEnv(extra = {}) {
  const env = { ...process.env };
  for (const k of Object.keys(env))
    if (/^(LATCHKEY_|DATABASE_URL$|REDIS_URL$|PORT$|HOST$|NODE_OPTIONS$)/.test(k)) delete env[k];
  return { ...env, HOST: '127.0.0.1', ...extra };
}

/** Resolves true when `child` has exited, false after `ms`. */
export function waitExit(child, ms) {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  return new Promise((resolve) => {
    const t = setTimeout(() => resolve(false), ms);
    child.once('exit', () => {
      clearTimeout(t);
      resolve(true);
    });
  });
}

/** Stops a child: SIGTERM, then SIGKILL after a grace period. */
export async function stopChild(child, graceMs = 10_000) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  if (!(await waitExit(child, graceMs))) {
    child.kill('SIGKILL');
    await waitExit(child, 5000);
  }
}
