// Calling the management API as a person does: sign up over HTTP, keep the cookie,
// send JSON. Shared by the members and role-matrix tests.
import { expect } from 'vitest';

export const PASSWORD = 'correct horse battery';

export interface Person {
  id: string;
  email: string;
  /** `latchkey.session_token=…`, as a browser sends it back. */
  cookie: string;
}

export interface CallOptions {
  cookie?: string | undefined;
  body?: unknown;
  headers?: Record<string, string>;
}

export type Call = (method: string, path: string, opts?: CallOptions) => Promise<Response>;

export function caller(base: string): Call {
  return (method, path, opts = {}) =>
    fetch(base + path, {
      method,
      headers: {
        ...(opts.cookie ? { cookie: opts.cookie } : {}),
        ...(opts.body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...opts.headers,
      },
      ...(opts.body !== undefined ? { body: JSON.stringify(opts.body) } : {}),
    });
}

const cookieOf = (res: Response) => (res.headers.getSetCookie()[0] ?? '').split(';')[0] ?? '';

let people = 0;

/** A new account, signed in. */
export async function signUp(call: Call, label = 'person'): Promise<Person> {
  const email = `${label}-${++people}-${Date.now()}@example.com`;
  const res = await call('POST', '/v1/auth/sign-up/email', { body: { email, password: PASSWORD } });
  expect(res.status, `sign up ${email}`).toBe(200);
  const body = (await res.json()) as { user: { id: string } };
  return { id: body.user.id, email, cookie: cookieOf(res) };
}

/** Another account session of the same person (a second device). */
export async function signIn(call: Call, email: string): Promise<string> {
  const res = await call('POST', '/v1/auth/sign-in/email', { body: { email, password: PASSWORD } });
  expect(res.status, `sign in ${email}`).toBe(200);
  return cookieOf(res);
}

type Loose = { error?: { code: string; message: string } } & Record<string, unknown>;

/** The status and JSON body, for asserting both at once. */
export async function answer<T = Loose>(res: Response): Promise<{ status: number; body: T }> {
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : null) as T };
}

/** Status and error code (null on success): what the refusal tests compare. */
export async function outcome(res: Response): Promise<[number, string | null]> {
  const { status, body } = await answer(res);
  return [status, body?.error?.code ?? null];
}
