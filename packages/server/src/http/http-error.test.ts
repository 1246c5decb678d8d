import { describe, expect, it } from 'vitest';
import { docsUrl, envelope } from './http-error.js';

describe('envelope', () => {
  it("links the code's row on the server's own error-code page, under its issuer URL", () => {
    expect(envelope('API_KEY_REVOKED', 'revoked', 'req_1', 'https://api.example.com')).toEqual({
      error: {
        code: 'API_KEY_REVOKED',
        message: 'revoked',
        requestId: 'req_1',
        docs: 'https://api.example.com/docs/errors#API_KEY_REVOKED',
      },
    });
  });

  it('is relative to the server when there is no URL to put in front (the admin socket)', () => {
    expect(envelope('NOT_FOUND', 'no such key', 'admin').error.docs).toBe('/docs/errors#NOT_FOUND');
    expect(docsUrl('CONFLICT', 'http://127.0.0.1:8787')).toBe(
      'http://127.0.0.1:8787/docs/errors#CONFLICT',
    );
  });

  it('still masks key-shaped text in the message', () => {
    const key = `rk_${'A'.repeat(40)}`;
    expect(envelope('INVALID_API_KEY', `bad key ${key}`, 'req_2', '').error.message).not.toContain(
      key,
    );
  });
});
