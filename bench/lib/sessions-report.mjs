// The Markdown report of bench/sessions.mjs.
import { median, percentile } from './proc-stats.mjs';

const ms = (n) => (Number.isFinite(n) ? String(Math.round(n) || 0) : 'n/a');
const ms2 = (n) => (Number.isFinite(n) ? n.toFixed(2) : 'n/a');
const pct = (n) => (Number.isFinite(n) ? `${Math.round(n * 100)}%` : 'n/a');
const fps = (n) => (Number.isFinite(n) ? n.toFixed(1) : 'n/a');
const ratio = (n) => (Number.isFinite(n) ? n.toFixed(2) : 'n/a');
const mib = (n) => (Number.isFinite(n) ? `${n.toFixed(0)} MiB` : 'n/a');
const counts = (o) =>
  Object.entries(o ?? {})
    .map(([k, v]) => `${k} ×${v}`)
    .join(', ');

const stats = (xs) => {
  const v = xs.filter(Number.isFinite);
  return {
    n: v.length,
    p50: percentile(v, 50),
    p95: percentile(v, 95),
    min: v.length ? Math.min(...v) : Number.NaN,
    max: v.length ? Math.max(...v) : Number.NaN,
  };
};

/** The phases of one session, in the order they happen, with what each means on either side. */
const PHASES = [
  ['created', '`POST /v1/sessions` answered', '—'],
  ['offerSent', 'offer ready (ICE gathered), `POST …/offer` sent', 'offer ready (ICE gathered)'],
  [
    'answer',
    '`POST …/offer` answered (the runtime gathered too)',
    'answer ready (pc2 gathered), handed over',
  ],
  ['iceConnected', 'ICE `connected`', 'pc1 ICE `connected`'],
  ['connected', 'peer connection `connected` (ICE + DTLS)', 'pc1 `connected`'],
  ['channelOpen', 'data channel open (SCTP)', 'data channel open'],
  ['ready', '`connect()` resolved (the model said `ready`)', 'pc2 has the channel too'],
  ['track', 'remote track (`onRemoteStream`)', "pc2's `ontrack`"],
  ['frameReceived', 'first presented frame: its last packet received', 'same, at pc2'],
  ['framePresented', '**first remote frame presented**', '**same, at pc2**'],
];

function latencyTables(L, latency) {
  const { runs, warmup } = latency;
  L.push(
    '| Phase (ms from t0) | echo p50 | p95 | min | max | reference p50 | p95 | min | max |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|',
  );
  for (const [key, echoWhat, refWhat] of PHASES) {
    const e = stats(runs.echo.map((r) => r[key]));
    const r = stats(runs.loopback.map((x) => x[key]));
    const label = refWhat === '—' ? echoWhat : `${echoWhat} / ref: ${refWhat}`;
    const row = (s) =>
      s.n ? `${ms(s.p50)} | ${ms(s.p95)} | ${ms(s.min)} | ${ms(s.max)}` : '— | — | — | —';
    L.push(`| ${label} | ${row(e)} | ${row(r)} |`);
  }
  const e = stats(runs.echo.map((r) => r.framePresented));
  const r = stats(runs.loopback.map((x) => x.framePresented));
  const failures = [...runs.echo, ...runs.loopback].filter((r) => r.error);
  L.push(
    '',
    (failures.length
      ? `**${failures.length} sessions failed** and are left out: ${[...new Set(failures.map((r) => r.error))].join('; ')}. `
      : '') +
      `${runs.echo.length} sessions each, one after another, the two sides alternating (ABBA). ` +
      `**Latchkey adds ${ms(e.p50 - r.p50)} ms at p50 (${ms(e.p95 - r.p95)} ms at p95)** to what a peer connection inside ` +
      `Chromium costs anyway (${ms(r.p50)} ms p50). Unmeasured warm-up (the first session after start): ` +
      `echo ${ms(warmup.echo.framePresented)} ms to the first frame (ready at ${ms(warmup.echo.ready)} ms), ` +
      `reference ${ms(warmup.loopback.framePresented)} ms.`,
    '',
  );
  const echoSteps = [
    ['session created', 0, 'created'],
    ['offer built (pc, createOffer, ICE gathering)', 'created', 'offerSent'],
    ['offer → answer (HTTP, server, runtime, werift gathering)', 'offerSent', 'answer'],
    ['answer → ICE connected', 'answer', 'iceConnected'],
    ['ICE connected → connected (DTLS handshake)', 'iceConnected', 'connected'],
    ['connected → channel open (SCTP)', 'connected', 'channelOpen'],
    ['channel open → ready (runtime sends `ready`)', 'channelOpen', 'ready'],
    ['connected → first frame received', 'connected', 'frameReceived'],
    ['received → presented', 'frameReceived', 'framePresented'],
  ];
  const refSteps = {
    'offer built (pc, createOffer, ICE gathering)': [0, 'offerSent'],
    'offer → answer (HTTP, server, runtime, werift gathering)': ['offerSent', 'answer'],
    'answer → ICE connected': ['answer', 'iceConnected'],
    'ICE connected → connected (DTLS handshake)': ['iceConnected', 'connected'],
    'connected → channel open (SCTP)': ['connected', 'channelOpen'],
    'connected → first frame received': ['connected', 'frameReceived'],
    'received → presented': ['frameReceived', 'framePresented'],
  };
  const step = (list, from, to) =>
    stats(list.map((x) => (to in x ? x[to] - (from === 0 ? 0 : x[from]) : Number.NaN)));
  L.push(
    'The same runs as steps (each the per-session difference of two marks):',
    '',
    '| Step | echo p50 | echo p95 | reference p50 | reference p95 |',
    '|---|---:|---:|---:|---:|',
  );
  for (const [name, from, to] of echoSteps) {
    const e = step(runs.echo, from, to);
    const ref = refSteps[name];
    const r = ref ? step(runs.loopback, ref[0], ref[1]) : undefined;
    L.push(
      `| ${name} | ${ms(e.p50)} | ${ms(e.p95)} | ${r ? ms(r.p50) : '—'} | ${r ? ms(r.p95) : '—'} |`,
    );
  }
  L.push('');
  const roles = (list) => {
    const seen = {};
    for (const x of list) seen[x.answerSetup ?? 'n/a'] = (seen[x.answerSetup ?? 'n/a'] ?? 0) + 1;
    return counts(seen);
  };
  L.push(
    `The answer's DTLS role (\`a=setup\`; \`active\` = the answerer starts the handshake): echo ${roles(runs.echo)}` +
      `${runs.echo.every((x) => x.answerSetup === 'active') ? ' (werift is the DTLS client)' : ''}; ` +
      `reference ${roles(runs.loopback)}. ` +
      'In the reference, ICE checks start while the answer is still being made (pc2 already has the offer), so they overlap ' +
      'the signalling step (a step can come out slightly negative); the echo answer reaches Chromium over HTTP only after ' +
      'the runtime gathered.',
    '',
  );
}

/** Which candidate pairs carried the media (local/remote type), counted. */
const pairs = (list) => {
  const seen = {};
  for (const x of list) if (x.pair) seen[x.pair] = (seen[x.pair] ?? 0) + 1;
  return counts(seen) || 'n/a';
};

/** The relay-only side: the same phases, through coturn. */
function turnTable(L, latency) {
  const { runs, warmup } = latency;
  const turn = runs['echo-turn'];
  L.push(
    '| Phase (ms from t0) | through TURN p50 | p95 | min | max | direct echo p50 | p95 |',
    '|---|---:|---:|---:|---:|---:|---:|',
  );
  for (const [key, echoWhat] of PHASES) {
    const t = stats(turn.map((r) => r[key]));
    const e = stats(runs.echo.map((r) => r[key]));
    L.push(
      `| ${echoWhat} | ${t.n ? `${ms(t.p50)} | ${ms(t.p95)} | ${ms(t.min)} | ${ms(t.max)}` : '— | — | — | —'} | ${ms(e.p50)} | ${ms(e.p95)} |`,
    );
  }
  const t = stats(turn.map((r) => r.framePresented));
  const e = stats(runs.echo.map((r) => r.framePresented));
  const failures = turn.filter((r) => r.error);
  L.push(
    '',
    (failures.length
      ? `**${failures.length} relayed sessions failed** and are left out: ${[...new Set(failures.map((r) => r.error))].join('; ')}. `
      : '') +
      `${turn.length} sessions with \`iceTransportPolicy: 'relay'\`, interleaved with the others. First frame ` +
      `through TURN minus direct: ${ms(t.p50 - e.p50)} ms at p50, ${ms(t.p95 - e.p95)} ms at p95. Through TURN the ` +
      'browser allocates a relay on coturn while it gathers, and every packet takes the extra hop (here on loopback, ' +
      `so the hop itself is cheap). Selected candidate pairs (local/remote type): through TURN ${pairs(turn)}; ` +
      `direct ${pairs(runs.echo)}. Warm-up: ${ms(warmup['echo-turn']?.framePresented)} ms.`,
    '',
  );
}

function pingTables(L, latency, pings) {
  L.push('| Round trip (ms) | n | p50 | p95 | max | > 100 ms |', '|---|---:|---:|---:|---:|---:|');
  const row = (name, xs) => {
    const s = stats(xs);
    L.push(
      `| ${name} | ${s.n} | ${ms2(s.p50)} | ${ms2(s.p95)} | ${ms2(s.max)} | ${xs.filter((x) => x > 100).length} |`,
    );
  };
  if (pings) {
    row("echo: `session.send('ping')`, one session, sequential", pings.echo);
    row('reference: a data-channel message echoed by pc2', pings.loopback);
  }
  if (latency) {
    row(
      'echo: the first command of each fresh session',
      latency.runs.echo.map((r) => r.firstCommandMs),
    );
    row(
      'reference: the first message of each fresh pair',
      latency.runs.loopback.map((r) => r.firstCommandMs),
    );
  }
  if (pings) {
    L.push(
      '',
      `On the one session: the first of the ${pings.echo.length} took ${ms2(pings.echo[0])} ms, the slowest ` +
        `${ms2(Math.max(...pings.echo))} ms (send #${pings.echo.indexOf(Math.max(...pings.echo)) + 1}).`,
    );
  }
  L.push('');
}

/** A window in which other processes used more than this share of a core is marked noisy. */
const NOISY_CPU = 0.25;
const noisy = (r) => (r.otherCpu > NOISY_CPU ? ' †' : '');

const SIDES = [
  ['echo', 'echo'],
  ['loopback', 'reference'],
];

function framesTable(L, rows) {
  L.push(
    '| N | side | opened | all showing frames after | sent fps median (min) | sent resolution | encoder limited by | decoded fps median (min) | decoded / sent min (median) | decoded / camera min | lost packets / frames dropped / NACK / PLI | holds (vs sent) | holds (vs camera) |',
    '|---:|---|---:|---:|---|---|---|---|---|---:|---|---|---|',
  );
  for (const pair of rows)
    for (const [kind, side] of SIDES) {
      const r = pair[kind];
      if (!r) continue;
      if (r.sessions === undefined) {
        L.push(
          `| ${r.n} | ${side} | ${r.opened} | — | — | — | — | — | — | — | — | **no**: ${r.failures.join('; ')} | **no** |`,
        );
        continue;
      }
      const failures = r.failures.length
        ? ` (${r.failures.length} failed to open: ${r.failures[0]})`
        : '';
      L.push(
        `| ${r.n}${noisy(r)} | ${side} | ${r.opened} | ${ms(r.allFramesMs)} ms | ${fps(r.medianSentFps)} (${fps(r.minSentFps)}) | ${counts(r.sentSizes)} | ${counts(r.limitations)} | ${fps(r.medianDecodedFps)} (${fps(r.minDecodedFps)}) | ${ratio(r.minRatio)} (${ratio(r.medianRatio)}) | ${ratio(r.minCameraRatio)} | ${r.lost} / ${r.dropped} / ${r.nacks} / ${r.plis} | ${r.holds ? 'yes' : '**no**'}${failures} | ${r.holdsCamera ? 'yes' : '**no**'} |`,
      );
    }
  L.push('');
}

function diagnosticsTable(L, rows) {
  L.push(
    "| N | side | sent kbps | encoder target kbps | available outgoing kbps | time limited by CPU / bandwidth | packets lost on the way in (far end's reports) | NACK / PLI+FIR to the sender | encode ms / frame | decode ms / frame | jitter buffer ms | freezes |",
    '|---:|---|---:|---:|---:|---|---:|---|---:|---:|---:|---:|',
  );
  for (const pair of rows)
    for (const [kind, side] of SIDES) {
      const d = pair[kind]?.diag;
      if (!d) continue;
      L.push(
        `| ${pair[kind].n} | ${side} | ${ms(d.sentKbps)} | ${ms(d.targetKbps)} | ${ms(d.availableKbps)} | ${pct(d.cpuLimited)} / ${pct(d.bandwidthLimited)} | ${d.upstreamLost} | ${d.nacksToSender} / ${d.plisToSender} | ${ms2(d.encodeMs)} | ${ms2(d.decodeMs)} | ${ms(d.jitterBufferMs)} | ${d.freezes} |`,
      );
    }
  L.push(
    '',
    'Medians across the sessions of an N, except counts (sums). Sent kbps is outbound-rtp `bytesSent` over the window; the ' +
      "target is the encoder's `targetBitrate`, the available bitrate the selected candidate pair's `availableOutgoingBitrate` " +
      "(Chromium's bandwidth estimate); the limited shares come from `qualityLimitationDurations`. Packets lost on the way in " +
      "are what the far end's receiver reports say (remote-inbound-rtp): for echo, between the page and the runtime.",
    '',
  );
}

function cpuTable(L, rows, m) {
  L.push(
    `| N | side | serve CPU | serve CPU per session | serve CPU µs per forwarded frame | serve RSS | Chromium CPU | benchmark process | other processes | machine busy (of ${m.count * 100}%) |`,
    '|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|',
  );
  for (const pair of rows)
    for (const [kind, side] of SIDES) {
      const r = pair[kind];
      if (!r?.sessions) continue;
      const echo = kind === 'echo';
      L.push(
        `| ${r.n}${noisy(r)} | ${side} | ${pct(r.serveCpu)}${echo ? '' : ' (idle)'} | ${echo ? pct(r.serveCpu / r.n) : '—'} | ${echo ? ms(r.serveUsPerFrame) : '—'} | ${mib(r.serveRssMiB)} | ${pct(r.chromiumCpu)} | ${pct(r.benchCpu)} | ${pct(r.otherCpu)} | ${pct(r.machineBusy * m.count)} |`,
      );
    }
  L.push('');
}

function chromiumBreakdown(L, rows) {
  const kinds = new Set();
  for (const pair of rows)
    for (const k of ['echo', 'loopback'])
      for (const [kind, v] of Object.entries(pair[k]?.chromiumByKind ?? {}))
        if (v >= 0.005) kinds.add(kind);
  const list = [...kinds].sort();
  L.push(`| N | side | ${list.join(' | ')} |`, `|---:|---|${list.map(() => '---:|').join('')}`);
  for (const pair of rows)
    for (const k of ['echo', 'loopback']) {
      const r = pair[k];
      if (!r?.chromiumByKind) continue;
      L.push(
        `| ${r.n} | ${k === 'echo' ? 'echo' : 'reference'} | ${list.map((kind) => pct(r.chromiumByKind[kind] ?? 0)).join(' | ')} |`,
      );
    }
  L.push('');
}

/** Chromium's bandwidth estimate for one echo session, a few seconds in. */
const earlyKbps = (res) => {
  const one = res.concurrency?.rows.find((p) => p.echo?.n === 1)?.echo?.diag?.availableKbps;
  return Number.isFinite(one) ? `~${ms(one)}` : 'a few hundred';
};

/** What stopped the camera's rate at the first N where echo lost it, from the numbers measured there. */
function limitSentence(L, rows, cameraFps) {
  const i = rows.findIndex((p) => p.echo?.sessions && !p.echo.holdsCamera);
  if (i < 0) return;
  const e = rows[i].echo;
  const r = rows[i].loopback;
  const lost = e.lost + e.diag.upstreamLost;
  const parts = [
    `**What limits it.** At N=${e.n} the slowest echo session's sender managed ${fps(e.minSentFps)} fps of the camera's ` +
      `${fps(cameraFps)}, and the lowest decoded / sent was ${ratio(e.minRatio)}; ` +
      `${lost} packets were lost between the page and the runtime (both directions).`,
    r?.sessions
      ? `The reference at the same N, without any server: slowest sender ${fps(r.minSentFps)} fps, ` +
        `${r.holdsCamera ? 'holding' : 'not holding'} the camera's rate.`
      : '',
    `The machine was ${pct(e.machineBusy)} busy (Chromium ${pct(e.chromiumCpu)}, serve ${pct(e.serveCpu)} of one core).`,
  ];
  if (r?.sessions && !r.holdsCamera && lost === 0 && e.minRatio >= 0.9)
    parts.push(
      "So the frames were lost before they were sent, in Chromium's encoders out of CPU, for echo and the reference alike; " +
        'the runtime forwarded what it got.',
    );
  L.push(parts.filter(Boolean).join(' '), '');
}

export function report(res) {
  const m = res.machine;
  const s = res.settings;
  const L = [];
  L.push('# Latchkey realtime sessions benchmark', '');
  L.push(`- Date: ${res.started.toISOString()} (${res.seconds.toFixed(0)} s)`);
  L.push(`- Machine: ${m.cpu}, ${m.count} CPUs, ${m.memGiB.toFixed(1)} GiB memory, ${m.os}`);
  L.push(`- Node: ${res.node}; Chromium: ${res.chromium ?? 'n/a'} (headless, software video)`);
  L.push(`- Code: ${res.git}`);
  const busy = res.startBusy > 0.25;
  L.push(
    `- Load average (1 / 5 min) at start: ${res.startLoad[0].toFixed(2)} / ${res.startLoad[1].toFixed(2)}, ` +
      `at end: ${res.endLoad[0].toFixed(2)} / ${res.endLoad[1].toFixed(2)}; the machine was ${pct(res.startBusy * m.count)} ` +
      `busy (of ${m.count * 100}%) in the 2 s before the run` +
      (busy ? ' — other work was running; expect noise' : ''),
  );
  const cam = res.camera;
  L.push(
    `- Camera: Chromium's fake device, asked for ${s.video.width}x${s.video.height}@${s.video.frameRate}` +
      (cam ? `, got ${cam.width}x${cam.height}@${cam.frameRate}` : ''),
  );
  L.push(
    `- Settings: ${s.sessions} sessions per side, ${s.pings} round trips, N = ${s.concurrency.join(', ')}, ` +
      `${s.settleMs / 1000} s settle + ${s.windowMs / 1000} s window per N`,
  );
  L.push('');
  L.push('## Method', '');
  L.push(
    `\`latchkey serve --port 0 --data-dir <tmp>\` runs as its own process (LATCHKEY_LOG=error) on an empty PGlite ` +
      "data dir; its embedded runtime hosts `echo`, which forwards the RTP of the caller's camera back to it. One session token " +
      "(`POST /v1/tokens`, grant `{models: ['echo'], maxSessions: 64}`) serves every session. Debian's Chromium runs headless " +
      'under playwright-core with a fake camera (`--use-fake-device-for-media-stream=fps=30`) and without ' +
      "`--allow-loopback-in-peer-connection`: as in a person's browser, its ICE candidates are on the machine's own network " +
      "interface (not loopback), and the runtime's default host candidates (every interface plus 127.0.0.1) meet them there. " +
      'It runs on one page served from ' +
      'http://127.0.0.1:PORT that imports `@latchkey/sdk` from packages/sdk/dist through an import map (bench/pages/sessions-page.js). ' +
      'One camera stream serves every session; each peer connection encodes its own copy. Every time is `performance.now()` in the page.',
    '',
    "**Latency.** t0 is taken just before `client.realtime.connect({model: 'echo', localStream, onRemoteStream})`. The page " +
      'passes the SDK a timing `fetch` (when `POST /v1/sessions` and `POST …/offer` go out and come back) and an ' +
      '`RTCPeerConnection` subclass (when the connection is `connected`, when the data channel opens). `onRemoteStream` puts the ' +
      'stream in a 160×120 `<video>`; the **first remote frame** is the first `requestVideoFrameCallback` on it: ' +
      '`presentationTime` (the frame handed to the compositor) and `receiveTime` (its last packet received). Then one ' +
      "`ping` (the session's first command), then `disconnect()`. The **reference** is measured the same way in the same page: " +
      "two RTCPeerConnections (camera → pc1 → pc2) with the same shape as the SDK's (a sendrecv video transceiver and an ordered " +
      'data channel created before the offer, non-trickle: offer and answer wait for ICE gathering, as the SDK and runtime do), ' +
      "signalled in JavaScript, ICE on the machine's interface; t0 before the peer connections are created, the first frame at pc2. It is " +
      'what WebRTC in Chromium costs anyway, one encode and one decode like echo; the difference is what Latchkey adds (HTTP ' +
      "signalling, the server, werift ICE/DTLS/SCTP, the model's `ready`, RTP forwarding). One unmeasured warm-up session of each " +
      `side, then ${s.sessions} of each, alternating (ABBA), 200 ms apart. **Through TURN:** a real coturn (Debian's, ` +
      '`use-auth-secret`, on 127.0.0.1, started as scripts/coturn.mjs does) and a second `latchkey serve` with ' +
      '`LATCHKEY_TURN_URLS` and `LATCHKEY_TURN_SECRET`, so each of its sessions comes with its own TURN credentials; the page ' +
      "connects with `iceTransportPolicy: 'relay'`, so every packet goes browser → coturn → runtime and back. Its sessions " +
      'are interleaved with the two sides above (the order reversed every other round).',
    '',
    `**Command round trip.** One session, after its first frame: ${s.pings} sequential \`session.send('ping')\`, each timed from ` +
      "the call to the resolved reply. Reference: a message on the reference pair's data channel that pc2 sends back. The " +
      '"first command" rows are the one ping of each latency session, sent right after its first frame.',
    '',
    '**Concurrency.** For each N, N sessions open at once in the one page (each with its own client, all on the one token), and ' +
      `wait for their first frames. After ${s.settleMs / 1000} s, two \`getStats()\` snapshots ${s.windowMs / 1000} s apart give, per ` +
      "session, the frames its sender sent per second (outbound-rtp `framesSent`: the camera's rate as sent, after any " +
      "frames Chromium's encoder dropped) and the frames the far end decoded per second (inbound-rtp `framesDecoded`). A session " +
      `holds when decoded / sent ≥ ${s.holdRatio}; N holds when every session does (and all opened). Over the same window: serve's ` +
      'CPU (utime + stime from /proc/<pid>/stat) and RSS, the CPU of every Chromium process (descendants of the benchmark ' +
      "process, by `--type`), and the machine's busy share from /proc/stat. CPU is a share of one core. The reference is N " +
      "loopback pairs in the same page, measured the same way: the browser's own cost without the runtime. Sessions are " +
      'closed between Ns and the server is asked that they are. The run stops after an N that does not hold clearly ' +
      `(decoded / sent < 0.8, a session that would not open, or the machine ≥ 90% busy), or after two that do not hold.`,
    '',
  );

  if (res.latency) {
    L.push('## Session create → first remote frame', '');
    latencyTables(L, res.latency);
  }
  if (res.latency?.runs['echo-turn']) {
    L.push('## The same through TURN (relay only)', '');
    turnTable(L, res.latency);
  }
  if (res.pings || res.latency) {
    L.push('## Command round trip', '');
    pingTables(L, res.latency, res.pings);
  }
  if (res.concurrency) {
    const { rows, notRun } = res.concurrency;
    L.push('## Concurrent echo sessions', '');
    L.push(
      'Each N: echo sessions through `latchkey serve`, and the reference, N loopback pairs in the same page without ' +
        'any server. Frames per second are per session over the window.',
      '',
    );
    framesTable(L, rows);
    const noisyRows = rows.flatMap((p) => [p.echo, p.loopback]).filter((r) => r && noisy(r));
    if (noisyRows.length)
      L.push(
        `† Other processes (not serve, Chromium or the benchmark) used more than ${pct(NOISY_CPU)} of a core during ` +
          `${noisyRows.length} of these windows (see the CPU table): the machine was shared, and those rows are noisy.`,
        '',
      );
    const left = rows.map((p) => p.echo?.leftOpen).filter((n) => n !== undefined);
    L.push(
      left.some((n) => n > 0)
        ? `**Sessions still open on the server 0.5 s after \`disconnect()\`:** ${rows.map((p) => `N=${p.echo?.n}: ${p.echo?.leftOpen ?? 'n/a'}`).join(', ')}.`
        : `After each N's \`disconnect()\`s the server reported every one of its sessions closed (checked ${left.length} times).`,
      '',
    );
    if (notRun.length) L.push(`Not run (an earlier N did not hold): N = ${notRun.join(', ')}.`, '');
    L.push('### Why: bitrate, loss and codec time over the window', '');
    diagnosticsTable(L, rows);
    L.push('### CPU and memory over the window (share of one core)', '');
    L.push(
      `serve's RSS right after start (PGlite's initdb just ran): ${mib(res.serveIdleRssMiB)}; with no session open, ` +
        `before the first N: ${mib(res.serveQuietRssMiB)}; at the end: ${mib(res.serveEndRssMiB)}. "Other processes" is ` +
        "the machine's busy time minus serve, Chromium and the benchmark process: work that is not ours on a shared machine.",
      '',
    );
    cpuTable(L, rows, m);
    L.push('### Chromium CPU by process, over the window (share of one core)', '');
    chromiumBreakdown(L, rows);
    const best = (kind, key) => {
      let n = 0;
      for (const pair of rows) if (pair[kind]?.[key]) n = Math.max(n, pair[kind].n);
      return n || 'none';
    };
    L.push(
      `**Largest N that holds (every session decodes ≥ ${s.holdRatio * 100}% of what its sender sent): ` +
        `${best('echo', 'holds')} echo sessions**; reference ${best('loopback', 'holds')}. ` +
        `Against the camera's own rate (≥ ${s.holdRatio * 100}% of ${res.camera?.frameRate} fps decoded): echo ` +
        `${best('echo', 'holdsCamera')}, reference ${best('loopback', 'holdsCamera')}.`,
      '',
    );
    const perSession = rows
      .map((p) => p.echo)
      .filter((r) => r?.serveCpu !== undefined)
      .map((r) => `N=${r.n}: ${pct(r.serveCpu)} (${pct(r.serveCpu / r.n)} per session)`);
    if (perSession.length)
      L.push(
        `serve's CPU with N echo sessions, as a share of one core: ${perSession.join(', ')}; idle, during the ` +
          `reference windows: ${pct(median(rows.map((p) => p.loopback?.serveCpu).filter(Number.isFinite)))}.`,
        '',
      );
    limitSentence(L, rows, res.camera?.frameRate);
  }

  const werift = res.latency?.runs.echo.every((x) => x.answerSetup === 'active');
  const dtlsBullet = werift
    ? "- **The DTLS step.** The runtime's answer says `a=setup:active`, so werift is the DTLS client, and werift 0.25.2 waits a " +
      'fixed 100 ms before its first ClientHello (`node_modules/werift/lib/webrtc/src/transport/dtls.js`, ' +
      "`await setTimeout(100)` before `dtls.connect()`). Most of echo's ICE connected → connected is that timer; in the " +
      'reference, where Chromium is the DTLS client, the step takes about a millisecond.'
    : "- **The DTLS step** is werift's DTLS handshake against Chromium's (see the answer's DTLS role above).";
  L.push('## Reading the results', '');
  L.push(
    '- **First frame** is what a user waits for after pressing "start". The steps show where the time goes: create and ' +
      "offer → answer are Latchkey's HTTP signalling (server, PGlite, the runtime's werift gathering); answer → ICE connected, " +
      'ICE connected → connected (DTLS) and connected → channel open (SCTP) are werift against Chromium; connected → first ' +
      "frame received is the camera's first keyframe through the runtime's RTP forwarding. The reference has no HTTP, no " +
      'server and Chromium on both ends, and its ICE checks overlap its (in-page) signalling.',
    dtlsBullet,
    "- The reference has no model `ready` message: echo's `ready` comes a few ms after its data channel opens. Compare " +
      'first frames, and the steps one by one.',
    "- **Presented** is `requestVideoFrameCallback`'s `presentationTime`; it trails **received** (the frame's last " +
      'packet) by the decode and the wait for the compositor, on both sides alike.',
    '- **Command round trip** on loopback is a few milliseconds; a reply over 100 ms is a retransmission (SCTP) or a ' +
      'stall, not work. The table counts them and shows the max.',
    '- **decoded / sent** near 1.00 means the runtime forwarded every frame the browser sent and the page decoded it. ' +
      "Lost packets and NACKs point at the transport (the runtime's event loop, UDP buffers), frames dropped at the decoder. " +
      "**sent fps** below the camera's rate is Chromium's encoder side: headless Chromium drops camera frames before " +
      'encoding when its threads are starved, often without reporting a `cpu` limitation, so compare with the reference ' +
      'at the same N: if both fall, the machine is the limit, not the runtime. "holds (vs camera)" is the stricter ' +
      "reading: decoded frames against the camera's own rate.",
    "- **Bitrate.** Echo sessions send at what Chromium's bandwidth estimate allows. The runtime negotiates neither " +
      'transport-cc (see `packages/runtime/src/peer.ts`) nor sends REMB (werift only reads them), so the estimate starts ' +
      `at Chromium's default and grows slowly: ${earlyKbps(res)} kbps a few seconds in (one session, the table above); a run with ` +
      '`BENCH_CONCURRENCY=1 BENCH_SETTLE_MS=30000` on 2026-12-02 showed ~3.9 Mbps after 30 s. The reference, Chromium to Chromium with transport-cc, has its ' +
      'full estimate at once. In the concurrency window (a few seconds after opening) echo sessions still run at a lower ' +
      'bitrate and, under load, a lower resolution ("encoder limited by bandwidth"): cheaper to encode than the reference, ' +
      "so Chromium's CPU at the same N is not a like-for-like comparison.",
    "- **machine busy** is of all cores. Near 100% everything competes: the runtime's one event loop, Chromium's encoders " +
      'and decoders, the compositor, and other work on a shared machine ("other processes"). Where the browser runs ' +
      "elsewhere (the normal case), serve's CPU per session is the number that scales.",
  );
  if (res.latency) {
    const first = (kind) => stats((res.latency.runs[kind] ?? []).map((r) => r.framePresented));
    const [e, t, r] = [first('echo'), first('echo-turn'), first('loopback')];
    L.push(
      `- **In short: first remote frame in a stock Chromium** (no loopback switch), p50 / p95: direct ` +
        `**${ms(e.p50)} / ${ms(e.p95)} ms**` +
        (t.n
          ? `, relay only through coturn **${ms(t.p50)} / ${ms(t.p95)} ms**`
          : ', TURN not measured (BENCH_TURN=0)') +
        `; the reference (two peer connections in the page) ${ms(r.p50)} / ${ms(r.p95)} ms.`,
    );
  }
  L.push('');

  if (res.latency) {
    L.push('## Every latency run (ms from t0)', '');
    L.push(
      '| # | echo created | offer | answer | connected | channel | ready | received | presented | first cmd | ref offer | answer | connected | received | presented | first msg |',
      '|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
    );
    res.latency.runs.echo.forEach((e, i) => {
      const r = res.latency.runs.loopback[i] ?? {};
      L.push(
        `| ${i + 1} | ${ms(e.created)} | ${ms(e.offerSent)} | ${ms(e.answer)} | ${ms(e.connected)} | ${ms(e.channelOpen)} | ${ms(e.ready)} | ${ms(e.frameReceived)} | ${ms(e.framePresented)} | ${ms2(e.firstCommandMs)} | ${ms(r.offerSent)} | ${ms(r.answer)} | ${ms(r.connected)} | ${ms(r.frameReceived)} | ${ms(r.framePresented)} | ${ms2(r.firstCommandMs)} |`,
      );
    });
    L.push('');
  }
  const problems = [
    ...res.errors.map((e) => `error: ${e}`),
    ...(res.pageErrors ?? []).map((e) => `page error: ${e}`),
  ];
  if (res.serveStderr)
    problems.push(`serve stderr: \`${res.serveStderr.split('\n').slice(-5).join(' / ')}\``);
  if (problems.length) {
    L.push('## Errors', '');
    for (const p of problems) L.push(`- ${p}`);
    L.push('');
  }
  return L.join('\n');
}
