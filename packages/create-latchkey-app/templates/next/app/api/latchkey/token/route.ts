// POST /api/latchkey/token: a short-lived session token for the signed-in user, minted
// with the API key on the server (lib/latchkey.ts decides what it allows).
import { latchkeySetup, setupResponse } from '@/lib/latchkey';

export const dynamic = 'force-dynamic';

async function handler(request: Request): Promise<Response> {
  const setup = latchkeySetup();
  return setup.ok ? setup.handlers.token(request) : setupResponse(setup.problem);
}

export { handler as GET, handler as POST };
