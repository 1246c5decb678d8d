/** The body of a request, or the fact that it is over its size limit. */
export type CappedBody = { ok: true; bytes: Uint8Array<ArrayBuffer> } | { ok: false };

/**
 * Reads at most `limit` bytes of a body, refusing it as soon as it is known to be
 * larger: from Content-Length before reading, or mid-stream for a chunked body, so an
 * oversized upload is never buffered whole.
 */
export async function readCappedBody(request: Request, limit: number): Promise<CappedBody> {
  const declared = request.headers.get('content-length');
  if (declared !== null && Number(declared) > limit) return { ok: false };
  const chunks: Uint8Array[] = [];
  let total = 0;
  if (request.body) {
    const reader = request.body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.byteLength;
      if (total > limit) {
        await reader.cancel().catch(() => undefined);
        return { ok: false };
      }
      chunks.push(value);
    }
  }
  const bytes = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    bytes.set(c, at);
    at += c.byteLength;
  }
  return { ok: true, bytes };
}

/** `readCappedBody` as UTF-8 text. */
export async function readCappedText(
  request: Request,
  limit: number,
): Promise<{ ok: true; text: string } | { ok: false }> {
  const body = await readCappedBody(request, limit);
  return body.ok ? { ok: true, text: new TextDecoder().decode(body.bytes) } : body;
}
