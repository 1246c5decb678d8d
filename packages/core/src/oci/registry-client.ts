// A hand-written OCI distribution client. The npm registry has no kept client that
// pushes: @snyk/docker-registry-v2-client and docker-registry-client only read
// (manifests, layers), oci-registry-client (0.2.0) and oras-pull are small one-person
// pull helpers; none does chunked, resumable blob uploads. The protocol is a handful of
// HTTP calls (OCI distribution-spec v1.0), so they are written here against `fetch`.
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { OciError } from './oci-error.js';
import {
  createAuthorizedFetch,
  type RegistryAuth,
  registryBaseUrl,
  registryMessage,
} from './registry-auth.js';
import { OCI_MANIFEST, type OciManifest } from './weights-manifest.js';

export type { RegistryAuth } from './registry-auth.js';

export interface RegistryClientOptions {
  /** `HOST[:PORT]` (HTTPS, or plain HTTP on loopback), or a base URL `http(s)://HOST[:PORT]`. */
  registry: string;
  auth?: RegistryAuth;
  /**
   * For a caller that mints registry tokens itself (the server signs its own, with
   * `delete` when it deletes): asked instead of the token endpoint.
   */
  token?: (scope: string) => Promise<string>;
  /** Defaults to the global `fetch`; tests pass one that counts. */
  fetch?: typeof fetch;
}

export interface UploadPosition {
  /** The URL for the next request of this upload (the registry renews it each time). */
  url: string;
  /** Bytes the registry holds. */
  offset: number;
}

/** A Buffer as a fetch body (the DOM typings want an ArrayBuffer-backed view). */
const bytes = (b: Buffer) => new Uint8Array(b.buffer as ArrayBuffer, b.byteOffset, b.length);

const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;

/**
 * A client for one registry: the Bearer token dance (challenge → token endpoint with
 * HTTP Basic → token, cached per scope), blobs (HEAD, chunked upload, status for resume,
 * streamed and verified download) and manifests (put, get, delete by digest).
 *
 * @example
 * const r = createRegistryClient({ registry: '127.0.0.1:5000', auth: { username: 'acme', password: 'rc_…' } });
 * if (!(await r.hasBlob('acme/weights/x', digest))) { … }
 */
export function createRegistryClient(options: RegistryClientOptions) {
  if (!options.registry) throw new TypeError('registry: HOST[:PORT] is required');
  const base = registryBaseUrl(options.registry);
  const { request, unavailable, lastScope } = createAuthorizedFetch(options);

  const refused = async (res: Response, what: string): Promise<OciError> => {
    const detail = await registryMessage(res);
    if (res.status === 401 || res.status === 403)
      return new OciError(
        'REGISTRY_UNAUTHORIZED',
        `the registry refused ${what} (${detail}); this credential has no such access`,
        res.status,
      );
    if (res.status === 404)
      return new OciError('WEIGHTS_NOT_FOUND', `${what}: not in the registry (${detail})`, 404);
    return new OciError(
      res.status >= 500 ? 'REGISTRY_UNAVAILABLE' : 'INVALID_REQUEST',
      `${what}: the registry answered ${detail}`,
      res.status,
    );
  };

  const pull = (repo: string) => `repository:${repo}:pull`;
  const push = (repo: string) => `repository:${repo}:pull,push`;
  const absolute = (location: string) => new URL(location, `${base}/`).toString();
  const rangeEnd = (res: Response) => {
    const m = /^(?:bytes=)?0-(\d+)$/.exec(res.headers.get('range') ?? '');
    return m ? Number(m[1]) + 1 : 0;
  };

  return {
    base,
    /** The scope of the last challenge answered (for tests and error messages). */
    lastScope,

    async hasBlob(repo: string, digest: string): Promise<boolean> {
      const res = await request(
        `${base}/v2/${repo}/blobs/${digest}`,
        { method: 'HEAD', scope: push(repo) },
        `HEAD blob ${digest}`,
      );
      if (res.ok) return true;
      if (res.status === 404) return false;
      throw await refused(res, `checking blob ${digest} in ${repo}`);
    },

    /** Opens an upload session; its position is offset 0. */
    async startUpload(repo: string): Promise<UploadPosition> {
      const res = await request(
        `${base}/v2/${repo}/blobs/uploads/`,
        { method: 'POST', scope: push(repo), headers: { 'content-length': '0' } },
        'starting an upload',
      );
      if (res.status !== 202) throw await refused(res, `pushing to ${repo}`);
      await res.body?.cancel();
      const location = res.headers.get('location');
      if (!location) throw new OciError('REGISTRY_UNAVAILABLE', 'the registry sent no upload URL');
      return { url: absolute(location), offset: 0 };
    },

    /**
     * Where an interrupted upload stands (`GET` the upload URL: `Range: 0-N`), or
     * undefined when the registry no longer has it (unknown, expired, or discarded).
     */
    async uploadStatus(
      repo: string,
      url: string,
      /** The offset the caller last saw: `Range: 0-0` means 0 bytes to distribution, 1 to the spec. */
      known = 0,
    ): Promise<UploadPosition | undefined> {
      const res = await request(url, { method: 'GET', scope: push(repo) }, 'upload status');
      if (res.status === 404 || res.status === 400 || res.status === 416) {
        await res.body?.cancel();
        return undefined;
      }
      if (res.status !== 204 && res.status !== 200)
        throw await refused(res, `checking an upload to ${repo}`);
      await res.body?.cancel();
      const end = rangeEnd(res);
      return {
        url: absolute(res.headers.get('location') ?? url),
        offset: end === 1 && known === 0 ? 0 : end,
      };
    },

    /** Sends one chunk at `at.offset` (`PATCH` with `Content-Range`). */
    async uploadChunk(repo: string, at: UploadPosition, chunk: Buffer): Promise<UploadPosition> {
      const res = await request(
        at.url,
        {
          method: 'PATCH',
          scope: push(repo),
          body: bytes(chunk),
          headers: {
            'content-type': 'application/octet-stream',
            'content-range': `${at.offset}-${at.offset + chunk.length - 1}`,
            'content-length': String(chunk.length),
          },
        },
        'uploading a chunk',
      );
      if (res.status !== 202) throw await refused(res, `uploading to ${repo}`);
      await res.body?.cancel();
      const offset = rangeEnd(res);
      if (offset !== at.offset + chunk.length)
        throw new OciError(
          'REGISTRY_UNAVAILABLE',
          `the registry holds ${offset} bytes of the upload, expected ${at.offset + chunk.length}`,
        );
      return { url: absolute(res.headers.get('location') ?? at.url), offset };
    },

    /** Closes an upload (`PUT ?digest=`); the registry checks the digest of what it holds. */
    async finishUpload(repo: string, at: UploadPosition, digest: string): Promise<void> {
      const url = new URL(at.url);
      url.searchParams.set('digest', digest);
      const res = await request(
        url.toString(),
        { method: 'PUT', scope: push(repo), headers: { 'content-length': '0' } },
        'finishing an upload',
      );
      if (res.status !== 201) throw await refused(res, `finishing blob ${digest} in ${repo}`);
      await res.body?.cancel();
    },

    /** Uploads a small blob in one request (`POST` then `PUT ?digest=` with the body). */
    async putBlob(repo: string, data: Buffer): Promise<string> {
      const digest = `sha256:${createHash('sha256').update(data).digest('hex')}`;
      if (await this.hasBlob(repo, digest)) return digest;
      const at = await this.startUpload(repo);
      const url = new URL(at.url);
      url.searchParams.set('digest', digest);
      const res = await request(
        url.toString(),
        {
          method: 'PUT',
          scope: push(repo),
          body: bytes(data),
          headers: { 'content-type': 'application/octet-stream' },
        },
        'uploading a blob',
      );
      if (res.status !== 201) throw await refused(res, `uploading blob ${digest} to ${repo}`);
      await res.body?.cancel();
      return digest;
    },

    /** Pushes a manifest under a tag; returns its digest. */
    async putManifest(repo: string, reference: string, manifest: OciManifest): Promise<string> {
      const body = Buffer.from(JSON.stringify(manifest));
      const digest = `sha256:${createHash('sha256').update(body).digest('hex')}`;
      const res = await request(
        `${base}/v2/${repo}/manifests/${reference}`,
        {
          method: 'PUT',
          scope: push(repo),
          body: bytes(body),
          headers: { 'content-type': manifest.mediaType },
        },
        'pushing the manifest',
      );
      if (res.status !== 201) throw await refused(res, `pushing the manifest ${repo}:${reference}`);
      await res.body?.cancel();
      return res.headers.get('docker-content-digest') ?? digest;
    },

    /** Fetches a manifest by tag or digest; a digest reference is checked against the bytes. */
    async getManifest(
      repo: string,
      reference: string,
    ): Promise<{ manifest: unknown; digest: string; bytes: number }> {
      const res = await request(
        `${base}/v2/${repo}/manifests/${reference}`,
        { method: 'GET', scope: pull(repo), headers: { accept: OCI_MANIFEST } },
        'fetching the manifest',
      );
      if (!res.ok) throw await refused(res, `manifest ${repo}:${reference}`);
      const body = Buffer.from(await res.arrayBuffer());
      if (body.length > MAX_MANIFEST_BYTES)
        throw new OciError('INVALID_REQUEST', `manifest ${repo}:${reference} is too large`);
      const digest = `sha256:${createHash('sha256').update(body).digest('hex')}`;
      if (reference.startsWith('sha256:') && reference !== digest)
        throw new OciError(
          'WEIGHTS_DIGEST_MISMATCH',
          `manifest ${repo}@${reference}: the registry sent bytes with digest ${digest}`,
        );
      let manifest: unknown;
      try {
        manifest = JSON.parse(body.toString('utf8'));
      } catch {
        throw new OciError('INVALID_REQUEST', `manifest ${repo}:${reference} is not JSON`);
      }
      return { manifest, digest, bytes: body.length };
    },

    /** Deletes a manifest by digest (the registry needs `storage.delete.enabled: true`). */
    async deleteManifest(repo: string, digest: string): Promise<'deleted' | 'absent'> {
      const res = await request(
        `${base}/v2/${repo}/manifests/${digest}`,
        { method: 'DELETE', scope: `repository:${repo}:delete` },
        'deleting the manifest',
      );
      if (res.status === 202 || res.status === 200) {
        await res.body?.cancel();
        return 'deleted';
      }
      if (res.status === 404) {
        await res.body?.cancel();
        return 'absent';
      }
      if (res.status === 405)
        throw new OciError(
          'REGISTRY_UNAVAILABLE',
          'the registry does not allow deletes: set storage.delete.enabled: true in its config',
          405,
        );
      throw await refused(res, `deleting ${repo}@${digest}`);
    },

    /**
     * Streams a blob into `file` (created or appended at `append`) while hashing it;
     * a wrong digest or size deletes the file and throws `WEIGHTS_DIGEST_MISMATCH`.
     * `hash` lets a caller carry one hash across several blobs (a split file).
     */
    async downloadBlob(
      repo: string,
      digest: string,
      size: number,
      file: string,
      opts: {
        append?: boolean;
        onBytes?: (n: number) => void;
        also?: ReturnType<typeof createHash>;
      } = {},
    ): Promise<void> {
      const res = await request(
        `${base}/v2/${repo}/blobs/${digest}`,
        { method: 'GET', scope: pull(repo) },
        `downloading ${digest}`,
      );
      if (!res.ok || !res.body) throw await refused(res, `blob ${digest} of ${repo}`);
      const hash = createHash('sha256');
      let got = 0;
      const count = new Transform({
        transform(chunk: Buffer, _enc, done) {
          got += chunk.length;
          if (got > size) return done(new Error('more bytes than the manifest says'));
          hash.update(chunk);
          opts.also?.update(chunk);
          opts.onBytes?.(chunk.length);
          done(null, chunk);
        },
      });
      try {
        await pipeline(
          Readable.fromWeb(res.body as import('node:stream/web').ReadableStream),
          count,
          createWriteStream(file, { flags: opts.append ? 'a' : 'w', mode: 0o644 }),
        );
      } catch (error) {
        await rm(file, { force: true });
        if (error instanceof Error && error.message === 'more bytes than the manifest says')
          throw new OciError(
            'WEIGHTS_DIGEST_MISMATCH',
            `blob ${digest}: the registry sent more than ${size} bytes; the partial file was removed`,
          );
        throw unavailable(`downloading ${digest}`, error);
      }
      const actual = `sha256:${hash.digest('hex')}`;
      if (actual !== digest || got !== size) {
        await rm(file, { force: true });
        throw new OciError(
          'WEIGHTS_DIGEST_MISMATCH',
          `blob ${digest}: got ${got} bytes with digest ${actual}; the partial file was removed`,
        );
      }
    },
  };
}

export type RegistryClient = ReturnType<typeof createRegistryClient>;
