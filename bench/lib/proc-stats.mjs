// What bench/sessions.mjs reads about this machine and its processes (Linux /proc), and
// the arithmetic on the page's getStats() snapshots.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';

const USER_HZ = 100; // clock ticks per second of /proc/<pid>/stat on Linux

export function percentile(values, p) {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i];
}

export const median = (values) => {
  const s = [...values].sort((a, b) => a - b);
  if (s.length === 0) return Number.NaN;
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/** pid → { ppid, cpu (s), comm } for every process we may read. */
function processTable() {
  const table = new Map();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const text = readFileSync(`/proc/${name}/stat`, 'utf8');
      const close = text.lastIndexOf(')');
      const f = text.slice(close + 2).split(' '); // f[0] is field 3 (state)
      table.set(Number(name), {
        ppid: Number(f[1]),
        cpu: (Number(f[11]) + Number(f[12])) / USER_HZ,
        comm: text.slice(text.indexOf('(') + 1, close),
      });
    } catch {
      // gone meanwhile
    }
  }
  return table;
}

/** Chromium's process kinds, from its command line (`--type=renderer`, `--utility-sub-type=…`). */
function chromiumKind(pid) {
  try {
    // Chromium rewrites its process title: the arguments may be joined by spaces, not NULs.
    const args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split(/[\0 ]/);
    const type = args.find((a) => a.startsWith('--type='))?.slice(7);
    if (!type) return 'browser';
    if (type === 'utility') {
      const sub = args.find((a) => a.startsWith('--utility-sub-type='))?.slice(19) ?? '';
      return `utility ${sub.split('.').at(-1) ?? ''}`.trim();
    }
    return type;
  } catch {
    return 'other';
  }
}

function machineTicks() {
  const f = readFileSync('/proc/stat', 'utf8')
    .split('\n')[0]
    .trim()
    .split(/\s+/)
    .slice(1)
    .map(Number);
  const idle = f[3] + (f[4] ?? 0); // idle + iowait
  const total = f.slice(0, 8).reduce((a, b) => a + b, 0); // without guest time (already in user)
  return { idle, total };
}

/**
 * CPU seconds so far of: `servePid`, and every descendant of `rootPid` outside serve's
 * tree (Chromium and its helpers; the benchmark's own process is not included), plus
 * the machine's busy and total ticks.
 */
export function cpuSnapshot(rootPid, servePid) {
  const table = processTable();
  const kids = new Map();
  for (const [pid, p] of table) {
    if (!kids.has(p.ppid)) kids.set(p.ppid, []);
    kids.get(p.ppid).push(pid);
  }
  const chromium = new Map();
  const walk = (pid) => {
    for (const child of kids.get(pid) ?? []) {
      if (child === servePid) continue;
      chromium.set(child, { cpu: table.get(child).cpu, kind: chromiumKind(child) });
      walk(child);
    }
  };
  walk(rootPid);
  return { serve: table.get(servePid)?.cpu ?? Number.NaN, chromium, machine: machineTicks() };
}

export function memoryMiB(pid) {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : Number.NaN;
  } catch {
    return Number.NaN;
  }
}

/**
 * One measured window: per session, frames its sender sent per second and frames the
 * far end decoded per second (ratio = decoded / sent); CPU of serve and Chromium as a
 * share of one core; the machine's busy share of all its cores.
 */
export function summarize(s0, s1, p0, p1, { holdRatio, cameraFps }) {
  const sessions = s1.map((b, i) => {
    const a = s0[i] ?? {};
    const rate = (key, at) =>
      ((b[key] ?? 0) - (a[key] ?? 0)) / (((b[at] ?? 0) - (a[at] ?? 0)) / 1000);
    const sentFps = rate('framesSent', 'sentAt');
    const decodedFps = rate('framesDecoded', 'receivedAt');
    const delta = (key) => (b[key] ?? 0) - (a[key] ?? 0);
    const sentSeconds = ((b.sentAt ?? 0) - (a.sentAt ?? 0)) / 1000;
    const per = (num, den) => (den > 0 ? num / den : Number.NaN);
    return {
      sentKbps: (delta('bytesSent') * 8) / 1000 / sentSeconds,
      targetKbps: (b.targetBitrate ?? Number.NaN) / 1000,
      availableKbps: (b.availableOutgoingBitrate ?? Number.NaN) / 1000,
      limitedShare: {
        cpu: delta('limitedCpu') / sentSeconds,
        bandwidth: delta('limitedBandwidth') / sentSeconds,
      },
      upstreamLost: delta('upstreamLost'),
      nacksToSender: delta('nacksToSender'),
      plisToSender: delta('plisToSender'),
      encodeMs: per(delta('encodeSeconds') * 1000, delta('framesEncoded')),
      decodeMs: per(delta('decodeSeconds') * 1000, delta('framesDecoded')),
      jitterBufferMs: per(delta('jitterBufferDelay') * 1000, delta('jitterBufferEmitted')),
      freezes: delta('freezes'),
      sentFps,
      encodedFps: rate('framesEncoded', 'sentAt'),
      receivedFps: rate('framesReceived', 'receivedAt'),
      decodedFps,
      ratio: decodedFps / sentFps,
      cameraRatio: decodedFps / cameraFps,
      lost: (b.packetsLost ?? 0) - (a.packetsLost ?? 0),
      dropped: (b.framesDropped ?? 0) - (a.framesDropped ?? 0),
      nacks: (b.nackCount ?? 0) - (a.nackCount ?? 0),
      plis: (b.pliCount ?? 0) - (a.pliCount ?? 0),
      sent: `${b.sentWidth}x${b.sentHeight}`,
      received: `${b.recvWidth}x${b.recvHeight}`,
      limitation: b.qualityLimitation ?? 'n/a',
      status: b.status,
    };
  });
  const seconds = (p1.at - p0.at) / 1000;
  const ratios = sessions.map((s) => (Number.isFinite(s.ratio) ? s.ratio : 0));
  const cameraRatios = sessions.map((s) => (Number.isFinite(s.cameraRatio) ? s.cameraRatio : 0));
  const byKind = {};
  let chromiumCpu = 0;
  for (const [pid, b] of p1.cpu.chromium) {
    const used = b.cpu - (p0.cpu.chromium.get(pid)?.cpu ?? 0);
    chromiumCpu += used;
    byKind[b.kind] = (byKind[b.kind] ?? 0) + used / seconds;
  }
  const m0 = p0.cpu.machine;
  const m1 = p1.cpu.machine;
  const sum = (key) => sessions.reduce((acc, s) => acc + s[key], 0);
  const count = (key) => {
    const seen = {};
    for (const s of sessions) seen[s[key]] = (seen[s[key]] ?? 0) + 1;
    return seen;
  };
  return {
    seconds,
    sessions,
    minRatio: Math.min(...ratios),
    medianRatio: median(ratios),
    holding: ratios.filter((r) => r >= holdRatio).length,
    minCameraRatio: Math.min(...cameraRatios),
    medianSentFps: median(sessions.map((s) => s.sentFps)),
    minSentFps: Math.min(...sessions.map((s) => s.sentFps)),
    medianDecodedFps: median(sessions.map((s) => s.decodedFps)),
    minDecodedFps: Math.min(...sessions.map((s) => s.decodedFps)),
    lost: sum('lost'),
    dropped: sum('dropped'),
    nacks: sum('nacks'),
    plis: sum('plis'),
    sentSizes: count('sent'),
    limitations: count('limitation'),
    serveCpu: (p1.cpu.serve - p0.cpu.serve) / seconds,
    // serve's CPU time (all of it, idle work included) per frame the browsers sent it.
    serveUsPerFrame:
      ((p1.cpu.serve - p0.cpu.serve) * 1e6) /
      sessions.reduce((acc, s) => acc + s.sentFps * seconds, 0),
    chromiumCpu: chromiumCpu / seconds,
    chromiumByKind: byKind,
    machineBusy: 1 - (m1.idle - m0.idle) / (m1.total - m0.total),
    diag: {
      sentKbps: median(sessions.map((s) => s.sentKbps)),
      targetKbps: median(sessions.map((s) => s.targetKbps)),
      availableKbps: median(sessions.map((s) => s.availableKbps)),
      cpuLimited: median(sessions.map((s) => s.limitedShare.cpu)),
      bandwidthLimited: median(sessions.map((s) => s.limitedShare.bandwidth)),
      upstreamLost: sum('upstreamLost'),
      nacksToSender: sum('nacksToSender'),
      plisToSender: sum('plisToSender'),
      encodeMs: median(sessions.map((s) => s.encodeMs)),
      decodeMs: median(sessions.map((s) => s.decodeMs)),
      jitterBufferMs: median(sessions.map((s) => s.jitterBufferMs)),
      freezes: sum('freezes'),
    },
  };
}

export function gitState(root) {
  try {
    const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], {
      cwd: root,
      encoding: 'utf8',
    }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--', 'packages', ':!*.md'], {
      cwd: root,
      encoding: 'utf8',
    }).trim();
    return `${head}${dirty ? ' + uncommitted code changes in packages/' : ''}`;
  } catch {
    return 'unknown';
  }
}

export function machine() {
  const cpus = os.cpus();
  return {
    cpu: cpus[0]?.model?.trim() ?? 'unknown',
    count: cpus.length,
    memGiB: os.totalmem() / 1024 ** 3,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
  };
}
