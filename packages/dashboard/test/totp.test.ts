// The tests' TOTP helper agrees with RFC 6238's own test vectors (SHA-1, last 6 digits).
import { describe, expect, it } from 'vitest';
import { totpCode } from './totp.js';

const URI = 'otpauth://totp/x?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&period=30&digits=6';

describe('totpCode', () => {
  it('matches RFC 6238 appendix B', () => {
    expect(totpCode(URI, 59_000)).toBe('287082');
    expect(totpCode(URI, 1_111_111_109_000)).toBe('081804');
    expect(totpCode(URI, 1_234_567_890_000)).toBe('005924');
  });
});
