import type { Context } from 'hono';
import type { AppEnv, Platform } from './env.js';
import { HttpError } from './http-error.js';

const ACCOUNT_WINDOW_SECONDS = 15 * 60;

const limited = (retryAfter: number, what: string) =>
  new HttpError('RATE_LIMITED', `too many ${what}; retry in ${retryAfter} s`, {
    'Retry-After': String(retryAfter),
  });

/** Every sign-in, sign-up and reset request spends from its client address's budget. */
export async function spendIpBudget(c: Context<AppEnv>, p: Platform): Promise<void> {
  const perMinute = p.config.signInPerIp;
  if (perMinute <= 0) return;
  const d = await p.limiter.take(`signin:ip:${c.get('ip')}`, {
    perSecond: perMinute / 60,
    burst: perMinute,
  });
  if (!d.allowed) throw limited(d.retryAfter, 'sign-in attempts from this address');
}

const accountLimit = (p: Platform) => {
  const n = p.config.signInFailuresPerAccount;
  return n > 0 ? { perSecond: n / ACCOUNT_WINDOW_SECONDS, burst: n } : undefined;
};

const accountKey = (email: string) => `signin:fail:${email.trim().toLowerCase()}`;

/**
 * An account whose failures have spent its budget is held off before its password is
 * even checked (the same answer whether or not the account exists).
 */
export async function checkAccountBudget(p: Platform, email: string): Promise<void> {
  const limit = accountLimit(p);
  if (!limit) return;
  const d = await p.limiter.peek(accountKey(email), limit);
  if (!d.allowed) throw limited(d.retryAfter, 'failed sign-ins for this account');
}

/** A failed sign-in spends from the account's budget. */
export async function spendAccountBudget(p: Platform, email: string): Promise<void> {
  const limit = accountLimit(p);
  if (limit) await p.limiter.take(accountKey(email), limit);
}
