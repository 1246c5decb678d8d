import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import type { Clock } from '../services/clock.js';
import { type Auth, capturedLinks } from './auth.js';

/** A user as operators see them (`latchkey admin user list`). */
export interface UserSummary {
  id: string;
  email: string;
  name: string;
  emailVerified: boolean;
  twoFactorEnabled: boolean;
  instanceAdmin: boolean;
  createdAt: string;
}

export interface UserDeps {
  db: Kysely<Database>;
  auth: Auth;
  clock: Clock;
}

/**
 * Creates a user through the accounts library (its ids, its password hash, a
 * credential account), with an unguessable password nobody knows: the person sets
 * their own through a password reset link (`passwordSetLink`). The email counts as
 * verified: the operator who creates the account vouches for it. Null if taken.
 */
export async function createUser(
  deps: UserDeps,
  input: { email: string; name: string; instanceAdmin?: boolean },
): Promise<UserSummary | null> {
  const ctx = await deps.auth.$context;
  const email = input.email.trim().toLowerCase();
  if (await ctx.internalAdapter.findUserByEmail(email)) return null;
  const user = await ctx.internalAdapter.createUser(
    {
      email,
      name: input.name,
      emailVerified: true,
    },
    { method: 'admin' },
  );
  await ctx.internalAdapter.linkAccount({
    userId: user.id,
    providerId: 'credential',
    accountId: user.id,
    password: await ctx.password.hash(randomBytes(32).toString('base64url')),
  });
  if (input.instanceAdmin)
    await deps.db
      .updateTable('auth_users')
      .set({ instanceAdmin: true, updatedAt: new Date(deps.clock.now()) })
      .where('id', '=', user.id)
      .execute();
  const summary = await findUser(deps.db, user.id);
  if (!summary) throw new Error('the user just created is missing');
  return summary;
}

async function findUser(db: Kysely<Database>, id: string): Promise<UserSummary | undefined> {
  return (await listUsers(db, id))[0];
}

/** Every user, oldest first (or the one with `id`). */
export async function listUsers(db: Kysely<Database>, id?: string): Promise<UserSummary[]> {
  let q = db
    .selectFrom('auth_users')
    .select([
      'id',
      'email',
      'name',
      'emailVerified',
      'twoFactorEnabled',
      'instanceAdmin',
      'createdAt',
    ])
    .orderBy('createdAt')
    .orderBy('id');
  if (id) q = q.where('id', '=', id);
  const rows = await q.execute();
  return rows.map((r) => ({
    id: r.id,
    email: r.email,
    name: r.name,
    emailVerified: r.emailVerified,
    twoFactorEnabled: r.twoFactorEnabled === true,
    instanceAdmin: r.instanceAdmin,
    createdAt: new Date(r.createdAt).toISOString(),
  }));
}

/**
 * A one-time link (an hour) to choose a password: the library's password reset flow,
 * its link caught here instead of mailed.
 */
export async function passwordSetLink(auth: Auth, email: string): Promise<string> {
  const store: { url?: string } = {};
  await capturedLinks.run(store, () =>
    auth.api.requestPasswordReset({ body: { email }, headers: new Headers() }),
  );
  if (!store.url) throw new Error('the accounts library made no password link');
  return store.url;
}

/** A one-time sign-in link (24 hours), as the sign-in link plugin makes it. */
export async function signInLink(auth: Auth, email: string): Promise<string> {
  const store: { url?: string } = {};
  await capturedLinks.run(store, () =>
    auth.api.signInMagicLink({ body: { email, callbackURL: '/' }, headers: new Headers() }),
  );
  if (!store.url) throw new Error('the accounts library made no sign-in link');
  return store.url;
}
