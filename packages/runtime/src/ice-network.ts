// Where a runtime's media is reached: the ICE candidates it offers browsers, the UDP
// ports it binds, and the TURN server it may relay through. See docs/realtime-networking.md.
import { isIP } from 'node:net';
import { networkInterfaces } from 'node:os';
import type { IceServer } from '@latchkey/core';
import { type TurnConfig, turnCredentials } from '@latchkey/core/node';
import { PortPool } from './port-pool.js';

export interface IceNetworkOptions {
  /**
   * Addresses offered to browsers as ICE host candidates. Default: every non-internal
   * interface address (IPv4, and IPv6 that is not link-local) plus 127.0.0.1.
   */
  hostAddresses?: string[] | undefined;
  /**
   * Public addresses to offer instead of the host addresses, for a runtime behind 1:1 NAT
   * (a cloud VM): packets to them arrive on the same UDP port here.
   */
  announcedAddresses?: string[] | undefined;
  /** The UDP ports media may use, `[first, last]` (for firewalls). Default: any free port. */
  rtcPorts?: [number, number] | undefined;
  /** A TURN server the runtime itself allocates relay candidates on (credentials per session). */
  turn?: TurnConfig | undefined;
}

/** What one peer connection needs: see `createPeer`. */
export interface PeerNetwork {
  /** Offered as host candidates; the first of each family is werift's own, the rest share its port. */
  addresses: string[];
  /** Where to bind the UDP sockets; a family left out binds to every interface. */
  bind: { udp4?: string; udp6?: string };
  portRange: [number, number] | undefined;
  iceServers: IceServer[];
}

export interface PeerLease {
  network: PeerNetwork;
  /** Gives the ports back; call once the peer connection has closed. */
  release(): void;
}

const isLinkLocal = (address: string) => address.startsWith('169.254.') || /^fe80:/i.test(address);

/** Every non-internal interface address (not link-local), then 127.0.0.1. */
export function defaultHostAddresses(): string[] {
  const found: string[] = [];
  for (const infos of Object.values(networkInterfaces()))
    for (const info of infos ?? [])
      if (!info.internal && !isLinkLocal(info.address)) found.push(info.address);
  return [...new Set([...found, '127.0.0.1'])];
}

/** Checks a list of IP addresses (a TypeError naming `what` if one is not an IP) and drops repeats. */
export function checkAddresses(what: string, addresses: readonly string[]): string[] {
  if (!Array.isArray(addresses) || addresses.length === 0)
    throw new TypeError(`${what} must list at least one IP address`);
  for (const a of addresses)
    if (typeof a !== 'string' || isIP(a) === 0)
      throw new TypeError(`${what}: ${JSON.stringify(a)} is not an IP address`);
  return [...new Set(addresses)];
}

/** The runtime's ICE set-up, checked once; `lease` hands each peer connection its share. */
export class IceNetwork {
  readonly addresses: string[];
  private readonly bind: PeerNetwork['bind'];
  private readonly pool: PortPool | undefined;
  private readonly turn: TurnConfig | undefined;
  /** Ports per peer connection: one per address family offered, one for the TURN client; at least 2. */
  private readonly socketsPerPeer: number;

  constructor(options: IceNetworkOptions = {}) {
    const hosts = checkAddresses('hostAddresses', options.hostAddresses ?? defaultHostAddresses());
    const announced =
      options.announcedAddresses === undefined
        ? undefined
        : checkAddresses('announcedAddresses', options.announcedAddresses);
    this.addresses = announced ?? hosts;
    // One host address of a family, assigned here: bind to it (the restriction an
    // operator asked for). Otherwise bind to every interface: an address that is not
    // this machine's (a NAT's) cannot be bound.
    const local = new Set(
      Object.values(networkInterfaces()).flatMap((infos) => (infos ?? []).map((i) => i.address)),
    );
    const only = (family: 4 | 6) => {
      if (options.hostAddresses === undefined) return undefined;
      const of = hosts.filter((a) => isIP(a) === family);
      return of.length === 1 && of[0] !== undefined && local.has(of[0]) ? of[0] : undefined;
    };
    this.bind = {};
    const v4 = only(4);
    const v6 = only(6);
    if (v4) this.bind.udp4 = v4;
    if (v6) this.bind.udp6 = v6;
    if (options.turn !== undefined) {
      const { urls, secret } = options.turn;
      if (!Array.isArray(urls) || urls.length === 0 || urls.some((u) => !/^turns?:/.test(u)))
        throw new TypeError('turn.urls must list turn: or turns: URLs');
      if (typeof secret !== 'string' || secret.length < 16)
        throw new TypeError('turn.secret must be at least 16 characters');
      this.turn = { urls: [...urls], secret };
    }
    const families = new Set(this.addresses.map((a) => isIP(a))).size;
    // werift refuses a range of one port (first === last), so a peer takes at least two.
    this.socketsPerPeer = Math.max(2, families + (this.turn ? 1 : 0));
    this.pool = options.rtcPorts ? new PortPool(...options.rtcPorts) : undefined;
    if (this.pool && this.pool.max - this.pool.min + 1 < this.socketsPerPeer)
      throw new TypeError(
        `rtcPorts: each peer connection needs ${this.socketsPerPeer} ports; the range has fewer`,
      );
  }

  /** The network for one peer connection of session `sessionId`, or undefined when no ports are free. */
  lease(sessionId: string, expiresAt: number): PeerLease | undefined {
    const ports = this.pool?.take(this.socketsPerPeer);
    if (this.pool && !ports) return undefined;
    let released = false;
    return {
      network: {
        addresses: this.addresses,
        bind: this.bind,
        portRange: ports,
        iceServers: this.turn ? [turnCredentials(this.turn, sessionId, expiresAt)] : [],
      },
      release: () => {
        if (released || !ports) return;
        released = true;
        this.pool?.release(ports);
      },
    };
  }

  /** The configured UDP port range, if any. */
  get portRange(): [number, number] | undefined {
    return this.pool ? [this.pool.min, this.pool.max] : undefined;
  }

  /** Free ports left, when there is a range. */
  get freePorts(): number | undefined {
    return this.pool?.free;
  }
}
