// Where a runtime's media is reached: the addresses it offers, the ports it binds, the
// TURN server it may use. Unit checks of the pieces, then real sessions (a werift peer in
// the browser's role, a real coturn) for the port range running out and for TURN.
import { createHmac } from 'node:crypto';
import { createSocket, type Socket } from 'node:dgram';
import { networkInterfaces } from 'node:os';
import { afterEach, describe, expect, it } from 'vitest';
import { HAVE_TURNSERVER, startCoturn, TURNSERVER } from '../../../scripts/coturn.mjs';
import { defaultHostAddresses, IceNetwork } from '../src/ice-network.js';
import { offerAllAddresses, withoutMdnsCandidates } from '../src/peer.js';
import { PortPool } from '../src/port-pool.js';
import { createRuntime, type Runtime } from '../src/runtime.js';
import { FakeBrowser, token, verifyToken } from './helpers.js';

const IN_CI = process.env.CI === 'true';
const nonInternal = Object.values(networkInterfaces())
  .flatMap((infos) => infos ?? [])
  .filter((i) => !i.internal && !i.address.startsWith('169.254.') && !/^fe80:/i.test(i.address))
  .map((i) => i.address);

describe('PortPool', () => {
  it('hands out runs of free ports, refuses when none is left, and takes them back', () => {
    const pool = new PortPool(50000, 50004);
    expect(pool.take(2)).toEqual([50000, 50001]);
    expect(pool.take(2)).toEqual([50002, 50003]);
    expect(pool.take(2)).toBeUndefined();
    expect(pool.take(1)).toEqual([50004, 50004]);
    pool.release([50000, 50001]);
    expect(pool.free).toBe(2);
    expect(pool.take(2)).toEqual([50000, 50001]);
  });

  it('refuses a range that is not one', () => {
    expect(() => new PortPool(50100, 50000)).toThrow(TypeError);
    expect(() => new PortPool(0, 10)).toThrow(TypeError);
    expect(() => new PortPool(1, 70000)).toThrow(TypeError);
  });
});

describe('IceNetwork', () => {
  it('offers every non-internal interface address and 127.0.0.1 by default, bound to every interface', () => {
    expect(defaultHostAddresses()).toEqual([...new Set([...nonInternal, '127.0.0.1'])]);
    const network = new IceNetwork();
    const lease = network.lease('ses_1', Date.now() + 60_000);
    expect(lease?.network).toEqual({
      addresses: defaultHostAddresses(),
      bind: {},
      portRange: undefined,
      iceServers: [],
    });
  });

  it('one host address of a family restricts the bind to it; an announced address replaces what is offered', () => {
    expect(
      new IceNetwork({ hostAddresses: ['127.0.0.1'] }).lease('s', 1e13)?.network,
    ).toMatchObject({
      addresses: ['127.0.0.1'],
      bind: { udp4: '127.0.0.1' },
    });
    expect(
      new IceNetwork({ hostAddresses: ['127.0.0.1'], announcedAddresses: ['203.0.113.7'] }).lease(
        's',
        1e13,
      )?.network,
    ).toMatchObject({ addresses: ['203.0.113.7'], bind: { udp4: '127.0.0.1' } });
    // An address that is not this machine's is never bound (it could not be).
    expect(
      new IceNetwork({ hostAddresses: ['203.0.113.7'] }).lease('s', 1e13)?.network.bind,
    ).toEqual({});
  });

  it('refuses bad addresses, ranges and TURN settings with a TypeError naming them', () => {
    expect(() => new IceNetwork({ hostAddresses: ['localhost'] })).toThrow(
      /hostAddresses: "localhost" is not an IP address/,
    );
    expect(() => new IceNetwork({ hostAddresses: [] })).toThrow(/hostAddresses must list/);
    expect(() => new IceNetwork({ announcedAddresses: ['nat.example'] })).toThrow(
      /announcedAddresses: "nat.example"/,
    );
    expect(() => new IceNetwork({ rtcPorts: [50010, 50000] })).toThrow(/rtcPorts/);
    // IPv4 and IPv6 offered, and a TURN client: three sockets a peer connection.
    expect(
      () =>
        new IceNetwork({
          hostAddresses: ['127.0.0.1', '::1'],
          rtcPorts: [50000, 50001],
          turn: { urls: ['turn:127.0.0.1:3478'], secret: 'a-secret-of-some-length' },
        }),
    ).toThrow(/each peer connection needs 3 ports/);
    expect(
      () => new IceNetwork({ turn: { urls: ['stun:x'], secret: 'a-secret-of-some-length' } }),
    ).toThrow(/turn.urls/);
    const short = () => new IceNetwork({ turn: { urls: ['turn:127.0.0.1'], secret: 'short-one' } });
    expect(short).toThrow(/turn.secret must be at least 16 characters/);
    expect(short).not.toThrow(/short-one/);
  });

  it('leases ports from the range, and TURN credentials that end with the session', () => {
    const secret = 'the-coturn-static-auth-secret';
    const network = new IceNetwork({
      hostAddresses: ['127.0.0.1'],
      rtcPorts: [50000, 50003],
      turn: { urls: ['turn:127.0.0.1:3478?transport=udp'], secret },
    });
    const expiresAt = Date.now() + 90_500;
    const a = network.lease('ses_a', expiresAt);
    const b = network.lease('ses_b', expiresAt);
    expect([a?.network.portRange, b?.network.portRange]).toEqual([
      [50000, 50001],
      [50002, 50003],
    ]);
    expect(network.lease('ses_c', expiresAt)).toBeUndefined();
    const turn = a?.network.iceServers[0];
    expect(turn?.username).toBe(`${Math.floor(expiresAt / 1000)}:ses_a`);
    expect(turn?.credential).toBe(
      createHmac('sha1', secret)
        .update(turn?.username as string)
        .digest('base64'),
    );
    a?.release();
    a?.release();
    expect(network.freePorts).toBe(2);
  });
});

describe('the answer SDP', () => {
  const answer = [
    'v=0',
    'a=candidate:abc 1 udp 2130706431 192.0.2.2 50000 typ host generation 0',
    'a=candidate:def 1 udp 2130706431 fd00::2 50001 typ host generation 0',
    'a=end-of-candidates',
    '',
  ].join('\r\n');

  it("offers each family's other addresses on the same port, a little lower", () => {
    const out = offerAllAddresses(answer, ['192.0.2.2', '127.0.0.1', 'fd00::2', '::1']);
    expect(out.split('\r\n').filter((l) => l.startsWith('a=candidate'))).toEqual([
      'a=candidate:abc 1 udp 2130706431 192.0.2.2 50000 typ host generation 0',
      'a=candidate:1abc 1 udp 2130706175 127.0.0.1 50000 typ host generation 0',
      'a=candidate:def 1 udp 2130706431 fd00::2 50001 typ host generation 0',
      'a=candidate:1def 1 udp 2130706175 ::1 50001 typ host generation 0',
    ]);
  });

  it("drops a browser's mDNS candidates (werift would query the LAN for them)", () => {
    const offer =
      'v=0\r\na=candidate:1 1 udp 2122 0d6c8a4e-1b2c-4d5e-8f90-1234567890ab.local 5000 typ host\r\na=candidate:2 1 udp 2122 192.0.2.2 5001 typ host\r\n';
    expect(withoutMdnsCandidates(offer)).toBe(
      'v=0\r\na=candidate:2 1 udp 2122 192.0.2.2 5001 typ host\r\n',
    );
  });
});

/** Two consecutive UDP ports on 127.0.0.1, held by sockets of this process (close them to free them). */
async function twoPorts(): Promise<[number, Socket[]]> {
  const bind = (port: number) =>
    new Promise<Socket | undefined>((resolve) => {
      const socket = createSocket('udp4');
      socket.once('error', () => socket.close(() => resolve(undefined)));
      socket.bind(port, '127.0.0.1', () => resolve(socket));
    });
  for (;;) {
    const first = await bind(0);
    if (!first) continue;
    const port = first.address().port;
    const second = port < 65535 ? await bind(port + 1) : undefined;
    if (second) return [port, [first, second]];
    first.close();
  }
}
const closeAll = (sockets: Socket[]) =>
  Promise.all(sockets.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));

describe('sessions on a port range', () => {
  const runtimes: Runtime[] = [];
  const browsers: FakeBrowser[] = [];
  const sockets: Socket[] = [];
  afterEach(async () => {
    await Promise.all(browsers.splice(0).map((b) => b.close()));
    await Promise.all(runtimes.splice(0).map((r) => r.close()));
    await closeAll(sockets.splice(0));
  });

  async function runtimeOn(
    rtcPorts: [number, number],
    extra: Partial<Parameters<typeof createRuntime>[0]> = {},
  ) {
    const runtime = createRuntime({
      verifyToken,
      hostAddresses: ['127.0.0.1'],
      rtcPorts,
      ...extra,
    });
    runtimes.push(runtime);
    const open = async (sessionId: string) => {
      const opened = await runtime.openSession({
        sessionId,
        model: 'echo',
        token: token(),
        origin: null,
        expiresAt: Date.now() + 60_000,
      });
      expect(opened.ok).toBe(true);
      const b = new FakeBrowser();
      browsers.push(b);
      return { b, answer: await runtime.offer(sessionId, await b.offer()) };
    };
    return { runtime, open };
  }

  it('binds media inside the range; out of ports is MEDIA_PORTS_EXHAUSTED at once, and a closed session gives its port back', async () => {
    const [port, held] = await twoPorts();
    await closeAll(held);
    // A peer connection takes two ports (werift refuses a range of one).
    const { runtime, open } = await runtimeOn([port, port + 1]);
    const first = await open('ses_1');
    if (!first.answer.ok) throw new Error(first.answer.message);
    expect(first.answer.value.sdp).toContain(` 127.0.0.1 ${port} typ host`);
    const second = await open('ses_2');
    expect(second.answer).toEqual({
      ok: false,
      code: 'MEDIA_PORTS_EXHAUSTED',
      message: `the runtime has no free UDP port for media in ${port}-${port + 1} (LATCHKEY_RTC_PORTS)`,
    });
    await runtime.closeSession('ses_1', 'client_closed');
    const third = await open('ses_3');
    expect(third.answer.ok).toBe(true);
  });

  it('a port another process holds is MEDIA_PORTS_EXHAUSTED too, not a hang', async () => {
    const [port, held] = await twoPorts();
    sockets.push(...held);
    const { open } = await runtimeOn([port, port + 1]);
    const { answer } = await open('ses_1');
    expect(answer).toMatchObject({ ok: false, code: 'MEDIA_PORTS_EXHAUSTED' });
  });

  it.skipIf(!HAVE_TURNSERVER && !IN_CI)(
    'the runtime allocates a relay on a real coturn with the session’s credentials',
    async () => {
      if (!HAVE_TURNSERVER) throw new Error(`coturn is not at ${TURNSERVER} and CI=true`);
      const turn = await startCoturn({ relayPorts: 10 });
      try {
        const [port, held] = await twoPorts();
        await closeAll(held);
        // Two ports: the host socket and the TURN client's.
        const { open } = await runtimeOn([port, port + 1], {
          turn: { urls: turn.urls, secret: turn.secret },
        });
        const { b, answer } = await open('ses_turn');
        if (!answer.ok) throw new Error(answer.message);
        expect(answer.value.sdp).toMatch(/^a=candidate:\S+ 1 udp \d+ 127\.0\.0\.1 \d+ typ relay/m);
        await b.pc.setRemoteDescription({ type: 'answer', sdp: answer.value.sdp });
        expect(await b.next((m) => m.type === 'ready')).toMatchObject({ sessionId: 'ses_turn' });
        expect(turn.log()).toContain(':ses_turn');
      } finally {
        await turn.close();
      }
    },
  );
});
