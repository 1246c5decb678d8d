import { createHash } from 'node:crypto';
import { mkdir, rename, rm } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import { OciError } from './oci-error.js';
import { createRegistryClient, type RegistryAuth } from './registry-client.js';
import { readWeightsManifest, type WeightsFileEntry } from './weights-manifest.js';

export interface PullWeightsOptions {
  registry: string;
  repository: string;
  /** A tag (the weights version) or a manifest digest (`sha256:…`), which is checked. */
  reference: string;
  auth?: RegistryAuth;
  outDir: string;
  onProgress?: (p: { done: number; total: number; file: string }) => void;
  fetch?: typeof fetch;
}

export interface PullWeightsResult {
  digest: string;
  files: WeightsFileEntry[];
  totalBytes: number;
}

/**
 * Downloads a weights artifact into `outDir`: each file streamed to a temporary name,
 * its sha256 checked (each blob, and the whole of a split file), then renamed into
 * place. A mismatch removes the partial file and throws `WEIGHTS_DIGEST_MISMATCH`.
 *
 * @example
 * const { files } = await pullWeights({ registry: '127.0.0.1:5000',
 *   repository: 'acme/weights/styler', reference: '1',
 *   auth: { username: 'acme', password: 'rt_…' }, outDir: '/var/cache/w' });
 */
export async function pullWeights(o: PullWeightsOptions): Promise<PullWeightsResult> {
  const client = createRegistryClient({
    registry: o.registry,
    ...(o.auth ? { auth: o.auth } : {}),
    ...(o.fetch ? { fetch: o.fetch } : {}),
  });
  const { manifest, digest } = await client.getManifest(o.repository, o.reference);
  const files = readWeightsManifest(manifest);
  const total = files.reduce((n, f) => n + f.size, 0);
  const root = resolve(o.outDir);
  let done = 0;
  for (const f of files) {
    const target = resolve(root, f.path);
    if (!target.startsWith(root + sep))
      throw new OciError('INVALID_REQUEST', `${f.path}: outside the output directory`);
    await mkdir(dirname(target), { recursive: true });
    const tmp = join(dirname(target), `.${f.path.split('/').pop()}.${process.pid}.partial`);
    const whole = createHash('sha256');
    try {
      for (const p of f.parts)
        await client.downloadBlob(o.repository, p.digest, p.size, tmp, {
          append: p.index > 1,
          also: whole,
          onBytes: (n) => {
            done += n;
            o.onProgress?.({ done, total, file: f.path });
          },
        });
      const actual = `sha256:${whole.digest('hex')}`;
      if (actual !== f.digest)
        throw new OciError(
          'WEIGHTS_DIGEST_MISMATCH',
          `${f.path}: its parts add up to ${actual}, not ${f.digest}; the partial file was removed`,
        );
      await rename(tmp, target);
    } catch (error) {
      await rm(tmp, { force: true });
      throw error;
    }
  }
  return {
    digest,
    files: files.map((f) => ({ path: f.path, digest: f.digest, size: f.size })),
    totalBytes: total,
  };
}
