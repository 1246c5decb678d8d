import { OciError } from './oci-error.js';

export const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
export const WEIGHTS_CONFIG = 'application/vnd.latchkey.weights.config.v1+json';
export const WEIGHTS_FILE = 'application/vnd.latchkey.weights.file.v1';
/** The file's path in the weights directory, with `/` (as ORAS names files). */
export const TITLE = 'org.opencontainers.image.title';
/** On a layer that is one part of a file split for upload: `index/count`, from 1. */
export const PART = 'io.latchkey.weights.part';
/** On a part layer: the whole file's digest and size (the layer's own are the part's). */
export const FILE_DIGEST = 'io.latchkey.weights.file.digest';
export const FILE_SIZE = 'io.latchkey.weights.file.size';

const DIGEST = /^sha256:[a-f0-9]{64}$/;
const MAX_FILES = 10_000;

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  annotations?: Record<string, string>;
}

export interface OciManifest {
  schemaVersion: 2;
  mediaType: string;
  config: Descriptor;
  layers: Descriptor[];
  annotations?: Record<string, string>;
}

/** One file of a weights version: its relative path (with `/`), sha256 digest and size. */
export interface WeightsFileEntry {
  path: string;
  digest: string;
  size: number;
}

/** One blob of a file: the whole file, or one part of a file split for upload. */
export interface WeightsPart {
  path: string;
  digest: string;
  size: number;
  /** Where the part starts in its file. */
  offset: number;
  index: number;
  count: number;
}

/** A weights file as a manifest lists it: the file and the blobs it is made of, in order. */
export interface ManifestFile extends WeightsFileEntry {
  parts: WeightsPart[];
}

/**
 * Whether a relative path is safe to write under an output directory: `/`-separated,
 * no empty, `.` or `..` segment, no leading `/`, no backslash or NUL.
 */
export function isSafeRelativePath(path: string): boolean {
  if (!path || path.length > 1024 || path.startsWith('/') || /[\\\0]/.test(path)) return false;
  return path.split('/').every((s) => s !== '' && s !== '.' && s !== '..');
}

/** The manifest of a weights version: the config blob, then every file's blobs in order. */
export function buildWeightsManifest(
  config: Descriptor,
  files: ManifestFile[],
  annotations: Record<string, string> = {},
): OciManifest {
  const layers: Descriptor[] = [];
  for (const f of files)
    for (const p of f.parts)
      layers.push({
        mediaType: WEIGHTS_FILE,
        digest: p.digest,
        size: p.size,
        annotations:
          p.count === 1
            ? { [TITLE]: f.path }
            : {
                [TITLE]: f.path,
                [PART]: `${p.index}/${p.count}`,
                [FILE_DIGEST]: f.digest,
                [FILE_SIZE]: String(f.size),
              },
      });
  return {
    schemaVersion: 2,
    mediaType: OCI_MANIFEST,
    config: { ...config, mediaType: WEIGHTS_CONFIG },
    layers,
    ...(Object.keys(annotations).length ? { annotations } : {}),
  };
}

const bad = (why: string) =>
  new OciError('INVALID_REQUEST', `not a Latchkey weights manifest: ${why}`);

/**
 * Reads the files out of a weights manifest, checking its shape: OCI image manifest,
 * the weights config media type, every layer a weights file with a safe title, the parts
 * of a split file contiguous (1..n) and adding up to its size, no path twice.
 */
export function readWeightsManifest(value: unknown): ManifestFile[] {
  const m = value as Partial<OciManifest> | null;
  if (!m || typeof m !== 'object') throw bad('not a JSON object');
  if (m.schemaVersion !== 2) throw bad('schemaVersion must be 2');
  if (m.mediaType !== undefined && m.mediaType !== OCI_MANIFEST)
    throw bad(`mediaType must be ${OCI_MANIFEST}`);
  if (m.config?.mediaType !== WEIGHTS_CONFIG)
    throw bad(`config.mediaType must be ${WEIGHTS_CONFIG}`);
  if (!Array.isArray(m.layers)) throw bad('layers must be a list');
  if (m.layers.length > MAX_FILES * 16) throw bad('too many layers');
  const files: ManifestFile[] = [];
  const seen = new Set<string>();
  let open: ManifestFile | undefined;
  for (const [i, l] of m.layers.entries()) {
    if (l?.mediaType !== WEIGHTS_FILE) throw bad(`layer ${i}: mediaType must be ${WEIGHTS_FILE}`);
    if (typeof l.digest !== 'string' || !DIGEST.test(l.digest))
      throw bad(`layer ${i}: digest must be sha256:<64 hex>`);
    if (!Number.isSafeInteger(l.size) || l.size < 0) throw bad(`layer ${i}: bad size`);
    const path = l.annotations?.[TITLE];
    if (typeof path !== 'string' || !isSafeRelativePath(path))
      throw bad(`layer ${i}: ${TITLE} must be a relative path without "." or ".." segments`);
    const part = l.annotations?.[PART];
    if (part === undefined) {
      if (open) throw bad(`layer ${i}: ${open.path} is missing parts`);
      if (seen.has(path)) throw bad(`layer ${i}: ${path} appears twice`);
      seen.add(path);
      files.push({
        path,
        digest: l.digest,
        size: l.size,
        parts: [{ path, digest: l.digest, size: l.size, offset: 0, index: 1, count: 1 }],
      });
      continue;
    }
    const pm = /^([1-9][0-9]{0,5})\/([1-9][0-9]{0,5})$/.exec(part);
    const fileDigest = l.annotations?.[FILE_DIGEST] ?? '';
    const fileSize = Number(l.annotations?.[FILE_SIZE]);
    if (!pm || !DIGEST.test(fileDigest) || !Number.isSafeInteger(fileSize))
      throw bad(`layer ${i}: a part needs ${PART}, ${FILE_DIGEST} and ${FILE_SIZE}`);
    const index = Number(pm[1]);
    const count = Number(pm[2]);
    if (index === 1) {
      if (open) throw bad(`layer ${i}: ${open.path} is missing parts`);
      if (seen.has(path)) throw bad(`layer ${i}: ${path} appears twice`);
      seen.add(path);
      open = { path, digest: fileDigest, size: fileSize, parts: [] };
      files.push(open);
    }
    if (
      !open ||
      open.path !== path ||
      open.digest !== fileDigest ||
      open.size !== fileSize ||
      index !== open.parts.length + 1 ||
      count < index
    )
      throw bad(`layer ${i}: parts of ${path} out of order`);
    const offset = open.parts.reduce((n, p) => n + p.size, 0);
    open.parts.push({ path, digest: l.digest, size: l.size, offset, index, count });
    if (index === count) {
      if (offset + l.size !== open.size) throw bad(`${path}: its parts do not add up to its size`);
      open = undefined;
    }
  }
  if (open) throw bad(`${open.path} is missing parts`);
  return files;
}
