// /api/latchkey/v1/…: the batch-job calls a page may make (POST /v1/generate/{model},
// /v1/jobs…), forwarded to Latchkey with the API key added here, on the server:
//   createClient({ proxy: '/api/latchkey' }).process({ model: 'render', prompt: '…' })
import { latchkeySetup, setupResponse } from '@/lib/latchkey';

export const dynamic = 'force-dynamic';

async function handler(request: Request): Promise<Response> {
  const setup = latchkeySetup();
  return setup.ok ? setup.handlers.proxy(request) : setupResponse(setup.problem);
}

export { handler as GET, handler as POST };
