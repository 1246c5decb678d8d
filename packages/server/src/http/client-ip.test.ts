import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config.js';
import { parseTrustProxy, resolveClientIp } from './client-ip.js';

const PEER = '10.0.0.2';

describe('parseTrustProxy', () => {
  it('reads off, one hop, N hops and address lists', () => {
    expect(parseTrustProxy('false')).toEqual({ kind: 'none' });
    expect(parseTrustProxy('0')).toEqual({ kind: 'none' });
    expect(parseTrustProxy('true')).toEqual({ kind: 'hops', hops: 1 });
    expect(parseTrustProxy('1')).toEqual({ kind: 'hops', hops: 1 });
    expect(parseTrustProxy('3')).toEqual({ kind: 'hops', hops: 3 });
    expect(parseTrustProxy('10.0.0.0/8, 192.168.1.5,fd00::/8').kind).toBe('list');
  });

  it.each(['yes', '10.0.0.0/33', '10.0.0.0/8/1', 'example.com', '10.0.0.0/x', '17'])(
    'refuses %s at start-up, naming the variable',
    (value) => {
      expect(() => loadConfig({ LATCHKEY_TRUST_PROXY: value })).toThrow(/^LATCHKEY_TRUST_PROXY: /);
    },
  );
});

describe('resolveClientIp', () => {
  const hops = (n: number) => parseTrustProxy(String(n));

  it('is the peer when proxies are not trusted, whatever the header says', () => {
    expect(resolveClientIp({ kind: 'none' }, PEER, '198.51.100.1')).toBe(PEER);
    expect(resolveClientIp({ kind: 'none' }, `::ffff:${PEER}`, undefined)).toBe(PEER);
  });

  it('takes the entry the trusted hops appended, never the client-written left', () => {
    const header = '198.51.100.9, 203.0.113.7, 10.9.8.7';
    expect(resolveClientIp(hops(1), PEER, header)).toBe('10.9.8.7');
    expect(resolveClientIp(hops(2), PEER, header)).toBe('203.0.113.7');
    expect(resolveClientIp(hops(3), PEER, header)).toBe('198.51.100.9');
    // Fewer entries than hops: the left-most is as far as the proxies saw.
    expect(resolveClientIp(hops(5), PEER, header)).toBe('198.51.100.9');
    expect(resolveClientIp(hops(1), PEER, undefined)).toBe(PEER);
    expect(resolveClientIp(hops(1), PEER, ' , ')).toBe(PEER);
  });

  it('never takes an entry that is not an address', () => {
    expect(resolveClientIp(hops(1), PEER, '1.2.3.4, not-an-ip')).toBe(PEER);
    expect(resolveClientIp(hops(1), PEER, `1.2.3.4, ${'x'.repeat(500)}`)).toBe(PEER);
  });

  it('with a proxy list: believed only from a listed peer; the right-most unlisted entry', () => {
    const list = parseTrustProxy('10.0.0.0/8,192.168.1.5');
    expect(resolveClientIp(list, PEER, '198.51.100.9, 203.0.113.7, 192.168.1.5, 10.1.1.1')).toBe(
      '203.0.113.7',
    );
    // A peer that is not a listed proxy: the header is the client's own claim.
    expect(resolveClientIp(list, '203.0.113.50', '198.51.100.9')).toBe('203.0.113.50');
    // Every entry a proxy: the left-most.
    expect(resolveClientIp(list, PEER, '10.2.2.2, 10.3.3.3')).toBe('10.2.2.2');
    const v6 = parseTrustProxy('fd00::/8');
    expect(resolveClientIp(v6, 'fd00::1', '2001:db8::7, fd00::9')).toBe('2001:db8::7');
  });
});
