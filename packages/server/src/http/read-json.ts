import { findUnstorableText, formatIssues, readCappedText } from '@latchkey/core';
import type { Context } from 'hono';
import type { z } from 'zod';
import { HttpError } from './http-error.js';

export const MAX_BODY_BYTES = 16 * 1024;

const tooLarge = () =>
  new HttpError('PAYLOAD_TOO_LARGE', `the request body is over ${MAX_BODY_BYTES} bytes`);

/** Reads the body as text, refusing it as soon as it is known to be too large (core's reader). */
async function readBounded(req: Request): Promise<string> {
  const read = await readCappedText(req, MAX_BODY_BYTES);
  if (!read.ok) throw tooLarge();
  return read.text;
}

type NodeIncoming = import('node:http').IncomingMessage;

/**
 * The fast path on @hono/node-server: a body whose Content-Length is declared and
 * within the limit is read straight from the Node request (Node's parser stops at
 * Content-Length), skipping the web Request, ReadableStream and AbortSignal that
 * `c.req.raw` would build for every mint. Chunked bodies take the bounded stream path.
 */
function readDeclared(incoming: NodeIncoming, declared: number): Promise<string> {
  if (declared === 0) return Promise.resolve('');
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    incoming.on('data', (c: Buffer) => chunks.push(c));
    incoming.once('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    incoming.once('error', reject);
  });
}

function readBody(c: Context): Promise<string> {
  const incoming = (c.env as { incoming?: NodeIncoming } | undefined)?.incoming;
  const length = c.req.header('content-length');
  if (incoming && length !== undefined && /^\d+$/.test(length)) {
    const declared = Number(length);
    if (declared > MAX_BODY_BYTES) throw tooLarge();
    return readDeclared(incoming, declared);
  }
  return readBounded(c.req.raw);
}

export const UNSTORABLE_MESSAGE =
  'text may not contain NUL (\\u0000) or an unpaired surrogate (\\ud800–\\udfff)';

/** Reads a JSON body (may be empty when `optional`), validated against a strict schema. */
export async function readJson<S extends z.ZodType>(
  c: Context,
  schema: S,
  optional = false,
): Promise<z.infer<S>> {
  const text = await readBody(c);
  let value: unknown = {};
  if (text.trim() === '') {
    if (!optional) throw new HttpError('INVALID_REQUEST', 'a JSON body is required');
  } else {
    const type = c.req.header('content-type') ?? '';
    if (!/^application\/(.+\+)?json\b/i.test(type)) {
      throw new HttpError(
        'UNSUPPORTED_MEDIA_TYPE',
        'send the body with Content-Type: application/json',
      );
    }
    try {
      value = JSON.parse(text);
    } catch {
      throw new HttpError('INVALID_REQUEST', 'the body is not valid JSON');
    }
  }
  const unstorable = findUnstorableText(value);
  if (unstorable !== undefined)
    throw new HttpError('INVALID_REQUEST', `${unstorable || 'body'}: ${UNSTORABLE_MESSAGE}`);
  const parsed = schema.safeParse(value);
  if (!parsed.success)
    throw new HttpError(
      'INVALID_REQUEST',
      formatIssues(parsed.error.issues, { max: 1, root: 'body' }) || 'body: invalid',
    );
  return parsed.data;
}
