import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { lstat, open, readdir } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { OciError } from './oci-error.js';
import { createRegistryClient, type RegistryAuth, type UploadPosition } from './registry-client.js';
import {
  buildWeightsManifest,
  isSafeRelativePath,
  type ManifestFile,
  type WeightsFileEntry,
  type WeightsPart,
} from './weights-manifest.js';

export const DEFAULT_CHUNK_BYTES = 8 * 1024 * 1024;
export const DEFAULT_PART_BYTES = 64 * 1024 * 1024;

/** Where an unfinished blob upload stands, kept between runs so the next one resumes it. */
export interface UploadState {
  registry: string;
  repository: string;
  digest: string;
  size: number;
  url: string;
  offset: number;
}

/** Keeps `UploadState` by blob digest (the CLI: `~/.latchkey/uploads/<hex>.json`, 0600). */
export interface UploadStateStore {
  get(digest: string): UploadState | undefined;
  set(state: UploadState): void;
  delete(digest: string): void;
}

export interface PushProgress {
  phase: 'hashing' | 'uploading';
  /** Bytes hashed, or bytes sent plus bytes the registry already had. */
  done: number;
  total: number;
}

export interface PushWeightsOptions {
  registry: string;
  repository: string;
  /** The tag: the weights version. */
  reference: string;
  auth?: RegistryAuth;
  dir: string;
  /** Bytes per `PATCH` (default 8 MiB). */
  chunkBytes?: number;
  /**
   * Files larger than this go up as several blobs (default 64 MiB): distribution 2.8
   * discards an upload session whose last request was cut off, so after a crash the
   * finished parts are what is kept.
   */
  partBytes?: number;
  state?: UploadStateStore;
  onProgress?: (p: PushProgress) => void;
  onWarning?: (message: string) => void;
  /** Aborting stops after the chunk in flight, keeping the upload resumable. */
  signal?: AbortSignal;
  fetch?: typeof fetch;
}

export interface PushWeightsResult {
  digest: string;
  files: WeightsFileEntry[];
  totalBytes: number;
  /** Bytes sent in this run (chunks' bodies). */
  bytesUploaded: number;
  /** Bytes the registry had already: whole blobs, and the resumed part of unfinished uploads. */
  bytesSkipped: number;
  blobsUploaded: number;
  blobsSkipped: number;
  /** Uploads continued from an earlier run's offset. */
  resumed: number;
}

/** The regular files under `dir`, sorted, as `/`-separated relative paths; symlinks are skipped. */
export async function listWeightsFiles(
  dir: string,
  onWarning: (m: string) => void = () => undefined,
): Promise<Array<{ path: string; abs: string; size: number }>> {
  const out: Array<{ path: string; abs: string; size: number }> = [];
  const walk = async (at: string) => {
    const entries = await readdir(at, { withFileTypes: true });
    for (const e of entries) {
      const abs = join(at, e.name);
      const path = relative(dir, abs).split(sep).join('/');
      if (e.isSymbolicLink()) onWarning(`skipping symlink ${path}`);
      else if (e.isDirectory()) await walk(abs);
      else if (e.isFile()) {
        if (!isSafeRelativePath(path))
          throw new OciError('INVALID_REQUEST', `${path}: not a usable file name`);
        out.push({ path, abs, size: (await lstat(abs)).size });
      } else onWarning(`skipping ${path}: not a regular file`);
    }
  };
  let st: Awaited<ReturnType<typeof lstat>>;
  try {
    st = await lstat(dir);
  } catch {
    throw new OciError('INVALID_REQUEST', `${dir}: no such directory`);
  }
  if (!st.isDirectory()) throw new OciError('INVALID_REQUEST', `${dir}: not a directory`);
  await walk(dir);
  if (out.length === 0)
    throw new OciError('INVALID_REQUEST', `${dir} holds no regular files: nothing to push`);
  return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** Hashes a file in one streaming pass: the whole, and each `partBytes` part. */
async function hashFile(
  abs: string,
  path: string,
  size: number,
  partBytes: number,
  onBytes: (n: number) => void,
): Promise<ManifestFile> {
  const whole = createHash('sha256');
  const count = Math.max(1, Math.ceil(size / partBytes));
  const parts: WeightsPart[] = [];
  let part = createHash('sha256');
  let inPart = 0;
  const close = () => {
    const index = parts.length + 1;
    parts.push({
      path,
      digest: `sha256:${part.digest('hex')}`,
      size: inPart,
      offset: (index - 1) * partBytes,
      index,
      count,
    });
    part = createHash('sha256');
    inPart = 0;
  };
  for await (const chunk of createReadStream(abs, {
    highWaterMark: 1024 * 1024,
  }) as AsyncIterable<Buffer>) {
    whole.update(chunk);
    onBytes(chunk.length);
    let at = 0;
    while (at < chunk.length) {
      const take = Math.min(partBytes - inPart, chunk.length - at);
      part.update(chunk.subarray(at, at + take));
      inPart += take;
      at += take;
      if (inPart === partBytes && parts.length + 1 < count) close();
    }
  }
  close();
  const total = parts.reduce((n, p) => n + p.size, 0);
  if (total !== size) throw new OciError('INVALID_REQUEST', `${path} changed while it was read`);
  return { path, digest: `sha256:${whole.digest('hex')}`, size, parts };
}

/**
 * Pushes a directory as a weights artifact: every regular file hashed (streaming), each
 * blob the registry lacks uploaded in chunks (resuming an earlier run's upload from the
 * offset the registry reports), then the manifest tagged `reference`.
 *
 * @example
 * const r = await pushWeights({ registry: '127.0.0.1:5000', repository: 'acme/weights/styler',
 *   reference: '1', auth: { username: 'acme', password: 'rc_…' }, dir: './weights' });
 * r.digest; // sha256:… of the manifest
 */
export async function pushWeights(o: PushWeightsOptions): Promise<PushWeightsResult> {
  const chunkBytes = o.chunkBytes ?? DEFAULT_CHUNK_BYTES;
  const partBytes = o.partBytes ?? DEFAULT_PART_BYTES;
  if (!Number.isSafeInteger(chunkBytes) || chunkBytes < 1)
    throw new TypeError('chunkBytes must be a positive integer');
  if (!Number.isSafeInteger(partBytes) || partBytes < 1)
    throw new TypeError('partBytes must be a positive integer');
  const client = createRegistryClient({
    registry: o.registry,
    ...(o.auth ? { auth: o.auth } : {}),
    ...(o.fetch ? { fetch: o.fetch } : {}),
  });
  const repo = o.repository;
  const listed = await listWeightsFiles(o.dir, o.onWarning);
  const total = listed.reduce((n, f) => n + f.size, 0);
  let hashed = 0;
  const files: Array<ManifestFile & { abs: string }> = [];
  for (const f of listed) {
    const m = await hashFile(f.abs, f.path, f.size, partBytes, (n) => {
      hashed += n;
      o.onProgress?.({ phase: 'hashing', done: hashed, total });
    });
    files.push({ ...m, abs: f.abs });
  }

  const result = {
    bytesUploaded: 0,
    bytesSkipped: 0,
    blobsUploaded: 0,
    blobsSkipped: 0,
    resumed: 0,
  };
  const report = () =>
    o.onProgress?.({
      phase: 'uploading',
      done: result.bytesUploaded + result.bytesSkipped,
      total,
    });
  const done = new Set<string>();
  for (const f of files) {
    const fd = await open(f.abs, 'r');
    try {
      for (const p of f.parts) {
        if (done.has(p.digest) || (await client.hasBlob(repo, p.digest))) {
          done.add(p.digest);
          o.state?.delete(p.digest);
          result.blobsSkipped++;
          result.bytesSkipped += p.size;
          report();
          continue;
        }
        let at: UploadPosition | undefined;
        const saved = o.state?.get(p.digest);
        if (
          saved &&
          saved.registry === o.registry &&
          saved.repository === repo &&
          saved.size === p.size
        )
          at = await client.uploadStatus(repo, saved.url, saved.offset);
        if (at && at.offset <= p.size) {
          result.resumed++;
          result.bytesSkipped += at.offset;
        } else {
          o.state?.delete(p.digest);
          at = await client.startUpload(repo);
        }
        report();
        const save = (pos: UploadPosition) =>
          o.state?.set({
            registry: o.registry,
            repository: repo,
            digest: p.digest,
            size: p.size,
            ...pos,
          });
        save(at);
        while (at.offset < p.size) {
          if (o.signal?.aborted)
            throw new OciError(
              'INVALID_REQUEST',
              `stopped; run the push again to resume from ${at.offset} of ${p.size} bytes of ${f.path}`,
            );
          const n = Math.min(chunkBytes, p.size - at.offset);
          const chunk = Buffer.allocUnsafe(n);
          const { bytesRead } = await fd.read(chunk, 0, n, p.offset + at.offset);
          if (bytesRead !== n)
            throw new OciError('INVALID_REQUEST', `${f.path} changed while it was pushed`);
          at = await client.uploadChunk(repo, at, chunk);
          save(at);
          result.bytesUploaded += n;
          report();
        }
        await client.finishUpload(repo, at, p.digest);
        o.state?.delete(p.digest);
        done.add(p.digest);
        result.blobsUploaded++;
      }
    } finally {
      await fd.close();
    }
  }

  const configBody = Buffer.from(
    JSON.stringify({ format: 'latchkey.weights.v1', files: files.length, totalBytes: total }),
  );
  const configDigest = await client.putBlob(repo, configBody);
  const manifest = buildWeightsManifest(
    { mediaType: '', digest: configDigest, size: configBody.length },
    files.map(({ abs: _abs, ...f }) => f),
  );
  const digest = await client.putManifest(repo, o.reference, manifest);
  return {
    digest,
    files: files.map((f) => ({ path: f.path, digest: f.digest, size: f.size })),
    totalBytes: total,
    ...result,
  };
}
