// The node:http / Express adapter, written against the objects node passes in, with
// no import of a Node module: `@latchkey/sdk/server` still bundles for edge runtimes.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { errorResponse, type WebHandler } from './respond.js';

/** A node:http request listener, usable as Express/Connect middleware (errors go to `next`). */
export type NodeHandler = (
  req: IncomingMessage,
  res: ServerResponse,
  next?: (error?: unknown) => void,
) => void;

/** `host[:port]`, or a bracketed IPv6 literal; anything else is replaced, never trusted. */
const HOST = /^(?:[A-Za-z0-9.-]{1,253}|\[[0-9A-Fa-f:.]{2,45}\])(?::\d{1,5})?$/;
/** An origin-form request target: starts with one "/", visible ASCII only. */
const ORIGIN_FORM = /^\/[\x21-\x7e]*$/;
/**
 * Targets that URL parsing would rewrite (dot segments, encoded dots and slashes,
 * backslashes, a leading "//"): refused as sent, before parsing can hide them.
 */
const AMBIGUOUS_PATH = /^\/\/|\\|%2e|%2f|%5c|%00|(?:^|\/)\.{1,2}(?:\/|$)/i;

function toHeaders(req: IncomingMessage): Headers {
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (name.startsWith(':') || value === undefined) continue;
    for (const v of Array.isArray(value) ? value : [value]) headers.append(name, v);
  }
  return headers;
}

/** The request body as a web stream, pulled only as fast as the handler reads it. */
function bodyStream(req: IncomingMessage): ReadableStream<Uint8Array> | string | undefined {
  if (req.method === 'GET' || req.method === 'HEAD') return undefined;
  // Express body parsers have already drained the stream into req.body.
  const parsed = (req as IncomingMessage & { body?: unknown }).body;
  if (req.readableEnded && parsed !== undefined) {
    if (typeof parsed === 'string') return parsed;
    if (parsed instanceof Uint8Array) return new Blob([new Uint8Array(parsed)]).stream();
    return JSON.stringify(parsed);
  }
  const chunks = req[Symbol.asyncIterator]();
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const { done, value } = await chunks.next();
        if (done) controller.close();
        else
          controller.enqueue(
            typeof value === 'string' ? new TextEncoder().encode(value) : new Uint8Array(value),
          );
      } catch (error) {
        controller.error(error);
      }
    },
  });
}

async function writeResponse(req: IncomingMessage, res: ServerResponse, response: Response) {
  res.statusCode = response.status;
  if (response.statusText) res.statusMessage = response.statusText;
  const cookies = response.headers.getSetCookie();
  response.headers.forEach((value, name) => {
    if (name !== 'set-cookie') res.setHeader(name, value);
  });
  if (cookies.length > 0) res.setHeader('set-cookie', cookies);
  // A body the handler refused unread must not be parsed as the next request.
  if (!req.complete) res.setHeader('connection', 'close');
  if (response.body === null || req.method === 'HEAD') {
    await response.body?.cancel().catch(() => undefined);
    res.end();
    return;
  }
  const reader = response.body.getReader();
  const onClose = () => void reader.cancel().catch(() => undefined);
  res.once('close', onClose);
  try {
    res.flushHeaders();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (res.destroyed) return;
      if (!res.write(value))
        await new Promise<void>((resolve) => {
          const go = () => {
            res.off('drain', go);
            res.off('close', go);
            resolve();
          };
          res.on('drain', go);
          res.on('close', go);
        });
    }
    res.end();
  } finally {
    res.off('close', onClose);
  }
}

/**
 * Runs a Web-standard handler (createTokenHandler, createProxyHandler) on node:http,
 * Express or Connect. The request target is taken as a path on this server, never
 * as an absolute URL, and one that URL parsing would rewrite (`//x`, `..`, `%2e`,
 * `%2f`, `%5c`, backslashes) is refused with 400 before the handler sees it. The
 * body is streamed in, the response streamed out, and a client that disconnects
 * aborts `request.signal`. Under Express, `req.originalUrl` is used (the full path).
 *
 * @example
 * http.createServer(toNodeHandler(createTokenHandler({ authorize }))).listen(3000);
 * // Express: app.all('/api/latchkey/token', toNodeHandler(tokenHandler));
 */
export function toNodeHandler(handler: WebHandler): NodeHandler {
  if (typeof handler !== 'function')
    throw new TypeError('toNodeHandler: handler must be a function');
  return (req, res, next) => {
    const fail = (error: unknown) => {
      if (next) return next(error);
      if (!res.headersSent) {
        res.statusCode = 500;
        res.setHeader('content-type', 'application/json; charset=utf-8');
        res.end(
          '{"error":{"code":"INTERNAL_ERROR","message":"the handler failed","requestId":"unknown","docs":""}}',
        );
      } else res.destroy(error instanceof Error ? error : undefined);
    };
    const run = async () => {
      const target =
        (req as IncomingMessage & { originalUrl?: string }).originalUrl ?? req.url ?? '/';
      let request: Request;
      const gone = new AbortController();
      res.once('close', () => {
        if (!res.writableFinished) gone.abort(new Error('the client disconnected'));
      });
      try {
        if (!ORIGIN_FORM.test(target)) throw new Error('not an origin-form target');
        if (AMBIGUOUS_PATH.test(target.split('?')[0] as string)) throw new Error('ambiguous path');
        const host =
          req.headers.host !== undefined && HOST.test(req.headers.host)
            ? req.headers.host
            : 'localhost';
        const secure = (req.socket as { encrypted?: boolean }).encrypted === true;
        // Concatenated, not resolved: "//evil.example/x" stays a path on this host.
        const url = `${secure ? 'https' : 'http'}://${host}${target}`;
        const body = bodyStream(req);
        request = new Request(url, {
          method: req.method ?? 'GET',
          headers: toHeaders(req),
          signal: gone.signal,
          ...(body === undefined ? {} : { body, duplex: 'half' }),
        } as RequestInit);
      } catch {
        await writeResponse(
          req,
          res,
          errorResponse('INVALID_REQUEST', 'the request target or headers cannot be read'),
        );
        return;
      }
      const response = await handler(request);
      await writeResponse(req, res, response);
    };
    run().catch(fail);
  };
}
