import { BlockList, isIP } from 'node:net';

/**
 * Which `X-Forwarded-For` entries to believe. A proxy appends the address it saw
 * to the header, so everything left of what the trusted proxies appended is
 * whatever the client chose to send: only the right-hand entries are facts.
 * - `none`: the socket's peer address (no proxy in front).
 * - `hops`: that many trusted proxies in front; the client is the `hops`-th entry
 *   from the right (`true` is one hop: the right-most entry).
 * - `list`: proxies by address or CIDR; the header is believed only when the peer
 *   is one of them, and the client is the right-most entry that is not.
 */
export type TrustProxy =
  | { kind: 'none' }
  | { kind: 'hops'; hops: number }
  | { kind: 'list'; proxies: BlockList };

const MAX_HOPS = 16;

/** Parses `LATCHKEY_TRUST_PROXY`; throws a message naming what is wrong. */
export function parseTrustProxy(text: string): TrustProxy {
  const value = text.trim().toLowerCase();
  if (value === '' || value === 'false' || value === '0') return { kind: 'none' };
  if (value === 'true') return { kind: 'hops', hops: 1 };
  if (/^\d+$/.test(value)) {
    const hops = Number(value);
    if (hops > MAX_HOPS) throw new Error(`at most ${MAX_HOPS} proxy hops`);
    return { kind: 'hops', hops };
  }
  const proxies = new BlockList();
  for (const item of value.split(',').map((s) => s.trim())) {
    const [address = '', prefix, extra] = item.split('/');
    const family = isIP(address);
    const bits = prefix === undefined ? (family === 6 ? 128 : 32) : Number(prefix);
    if (
      family === 0 ||
      extra !== undefined ||
      (prefix !== undefined && !/^\d{1,3}$/.test(prefix)) ||
      bits > (family === 6 ? 128 : 32)
    )
      throw new Error(
        `"${item.slice(0, 64)}" is not an address or CIDR; use false, true, a number of hops, or a comma list such as 10.0.0.0/8,192.168.1.5`,
      );
    proxies.addSubnet(address, bits, family === 6 ? 'ipv6' : 'ipv4');
  }
  return { kind: 'list', proxies };
}

/** `::ffff:10.1.2.3` (an IPv4 peer on a dual-stack socket) as `10.1.2.3`. */
const plain = (address: string) =>
  address.startsWith('::ffff:') && isIP(address.slice(7)) === 4 ? address.slice(7) : address;

const trusted = (proxies: BlockList, address: string) => {
  const family = isIP(address);
  return family !== 0 && proxies.check(address, family === 6 ? 'ipv6' : 'ipv4');
};

/**
 * The client's address: the socket peer, or what the trusted proxies say it is.
 * An entry that is not an IP address is never believed.
 */
export function resolveClientIp(
  trust: TrustProxy,
  peer: string | undefined,
  forwardedFor: string | undefined,
): string {
  const socket = peer ? plain(peer) : 'unknown';
  if (trust.kind === 'none' || !forwardedFor) return socket;
  const entries = forwardedFor
    .split(',')
    .map((s) => plain(s.trim()))
    .filter((s) => s !== '');
  if (entries.length === 0) return socket;
  let chosen: string | undefined;
  if (trust.kind === 'hops') {
    chosen = entries[Math.max(0, entries.length - trust.hops)];
  } else {
    if (!trusted(trust.proxies, socket)) return socket;
    chosen = entries[0];
    for (let i = entries.length - 1; i >= 0; i--) {
      const entry = entries[i] as string;
      if (!trusted(trust.proxies, entry)) {
        chosen = entry;
        break;
      }
    }
  }
  return chosen !== undefined && isIP(chosen) !== 0 ? chosen : socket;
}
