// Serves a fetch-style handler `(Request) => Promise<Response>` on node:http.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import { errorDetail, type Logger, silentLogger } from '@latchkey/core/node';

/**
 * A node:http request listener for a fetch-style handler.
 *
 * @example
 * http.createServer(toNodeListener(createRuntimeHandler(runtime, { secret }))).listen(0);
 */
export function toNodeListener(
  handler: (request: Request) => Promise<Response>,
  log: Logger = silentLogger,
): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    void (async () => {
      const headers = new Headers();
      for (let i = 0; i + 1 < req.rawHeaders.length; i += 2)
        headers.append(req.rawHeaders[i] as string, req.rawHeaders[i + 1] as string);
      const method = req.method ?? 'GET';
      const hasBody = method !== 'GET' && method !== 'HEAD';
      let url: URL;
      try {
        // The handler routes on the path; the Host header is the client's to spell.
        url = new URL(req.url ?? '/', 'http://localhost');
      } catch {
        res.writeHead(400).end();
        return;
      }
      const request = new Request(url, {
        method,
        headers,
        body: hasBody ? (Readable.toWeb(req) as ReadableStream<Uint8Array>) : undefined,
        duplex: 'half',
      } as RequestInit);
      const response = await handler(request);
      const body = Buffer.from(await response.arrayBuffer());
      const out: Record<string, string> = {};
      response.headers.forEach((value, name) => {
        out[name] = value;
      });
      res.writeHead(response.status, out);
      res.end(body);
    })().catch((error) => {
      log.error('node listener failed', { error: errorDetail(error) });
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
      res.end();
    });
  };
}
