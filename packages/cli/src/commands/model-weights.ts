import { resolve } from 'node:path';
import { MODEL_VERSION, MODEL_VERSION_RULE } from '@latchkey/core';
import {
  DEFAULT_CHUNK_BYTES,
  DEFAULT_PART_BYTES,
  OciError,
  pullWeights,
  pushWeights,
} from '@latchkey/core/node';
import type { Command } from 'commander';
import { api } from '../api-client.js';
import { type Credentials, readCredentials } from '../credentials-file.js';
import { EXIT } from '../exit-codes.js';
import { CliError, printJson, printTable } from '../output.js';
import { formatBytes, startTransfer } from '../progress.js';
import { freshRegistryCredential } from '../registry-credential.js';
import { fileUploadState } from '../upload-state.js';

interface WeightsRecord {
  model: string;
  version: string;
  registry: string | null;
  repository: string;
  manifestDigest: string;
  totalBytes: number;
  fileCount: number;
  files: Array<{ path: string; digest: string; size: number }>;
  createdAt: string;
}

const usage = (message: string, fix: string) => new CliError('USAGE', message, fix, EXIT.USAGE);

/** NAME as typed (`styler` or `acme/styler`) → the short name, in the logged-in org. */
function shortName(c: Credentials, name: string): string {
  const [org, short, ...rest] = name.includes('/') ? name.split('/') : [c.orgSlug, name];
  if (rest.length || !short || org !== c.orgSlug)
    throw usage(
      `"${name}" is not a model of org "${c.orgSlug}"`,
      `Name it NAME or ${c.orgSlug}/NAME (you are logged in to ${c.orgSlug}).`,
    );
  return short;
}

function checkVersion(v: string): string {
  if (!MODEL_VERSION.test(v) || v.length > 64)
    throw usage(`--version: "${v.slice(0, 64)}" ${MODEL_VERSION_RULE}`, 'e.g. --version 1');
  return v;
}

/** A positive integer from the environment (the upload knobs tests turn down), else the default. */
function envBytes(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n < 1)
    throw new CliError(
      'CONFIG',
      `${name}: "${raw}" is not a positive whole number of bytes`,
      undefined,
      EXIT.USAGE,
    );
  return n;
}

const fromOci = (error: unknown) =>
  error instanceof OciError ? new CliError(error.code, error.message) : error;

const path = (c: Credentials, short: string, rest = '') =>
  `/v1/orgs/${encodeURIComponent(c.orgSlug)}/models/${encodeURIComponent(short)}/weights${rest}`;

async function registryAuth(c: Credentials, json: boolean) {
  const r = await freshRegistryCredential(c, { json, quiet: true });
  return {
    registry: r.registry,
    auth: { username: r.registryUsername, password: r.registryToken },
  };
}

/** `latchkey model weights …`, added to the `model` command (an extension of registerModel). */
export function registerModelWeights(model: Command) {
  const weights = model
    .command('weights')
    .description('push, pull, list and delete weights versions (OCI artifacts in the registry)');

  weights
    .command('push')
    .description(
      'push a directory as weights version V: chunked uploads that resume after an interruption; unchanged files are not sent again',
    )
    .argument('<name>', 'the model: NAME or <org-slug>/NAME')
    .argument('<dir>', 'the weights directory (its regular files; symlinks are skipped)')
    .requiredOption('--version <v>', 'the weights version to create')
    .option('--json', 'print one JSON object, for scripts (no progress bar)')
    .action(async (name: string, dir: string, o: { version: string; json?: boolean }) => {
      const c = readCredentials();
      const short = shortName(c, name);
      const version = checkVersion(o.version);
      const json = o.json === true;
      // Fail before sending bytes: the model must exist and the version must be new.
      try {
        await api(c.server, path(c, short, `/${encodeURIComponent(version)}`), {
          apiKey: c.apiKey,
        });
        throw new CliError(
          'WEIGHTS_VERSION_EXISTS',
          `${c.orgSlug}/${short} already has weights version "${version}"`,
        );
      } catch (error) {
        if (!(error instanceof CliError) || error.code !== 'WEIGHTS_NOT_FOUND') throw error;
      }
      const { registry, auth } = await registryAuth(c, json);
      const repository = `${c.orgSlug}/weights/${short}`;
      const stop = new AbortController();
      const onSigint = () => {
        if (stop.signal.aborted) process.exit(EXIT.INTERRUPTED);
        stop.abort();
        if (!json)
          process.stderr.write('\nstopping after the chunk in flight (Ctrl-C again to quit now)\n');
      };
      process.on('SIGINT', onSigint);
      const warnings: string[] = [];
      const hashing = startTransfer('hashing  ', { json });
      let uploading: ReturnType<typeof startTransfer> | undefined;
      const started = performance.now();
      let pushed: Awaited<ReturnType<typeof pushWeights>>;
      try {
        pushed = await pushWeights({
          registry,
          repository,
          reference: version,
          auth,
          dir: resolve(dir),
          chunkBytes: envBytes('LATCHKEY_UPLOAD_CHUNK_BYTES', DEFAULT_CHUNK_BYTES),
          partBytes: envBytes('LATCHKEY_UPLOAD_PART_BYTES', DEFAULT_PART_BYTES),
          state: fileUploadState(),
          signal: stop.signal,
          onWarning: (w) => {
            warnings.push(w);
            if (!json) process.stderr.write(`warning: ${w}\n`);
          },
          onProgress: (p) => {
            if (p.phase === 'hashing') return hashing.update(p.done, p.total);
            if (!uploading) {
              hashing.stop();
              uploading = startTransfer('uploading', { json });
            }
            uploading.update(p.done, p.total);
          },
        });
      } catch (error) {
        if (stop.signal.aborted && error instanceof OciError)
          throw new CliError(
            'USAGE',
            error.message,
            'Run the same command again to resume.',
            EXIT.INTERRUPTED,
          );
        throw fromOci(error);
      } finally {
        hashing.stop();
        uploading?.stop();
        process.off('SIGINT', onSigint);
      }
      const seconds = (performance.now() - started) / 1000;
      const recorded = await api<WeightsRecord>(c.server, path(c, short), {
        method: 'POST',
        apiKey: c.apiKey,
        body: { version, manifestDigest: pushed.digest },
      });
      const result = {
        model: recorded.model,
        version,
        registry,
        repository,
        manifestDigest: pushed.digest,
        files: pushed.files,
        totalBytes: pushed.totalBytes,
        bytesUploaded: pushed.bytesUploaded,
        bytesSkipped: pushed.bytesSkipped,
        blobsUploaded: pushed.blobsUploaded,
        blobsSkipped: pushed.blobsSkipped,
        resumed: pushed.resumed,
        seconds: Math.round(seconds * 1000) / 1000,
        warnings,
      };
      if (json) return printJson(result);
      process.stdout.write(
        [
          `Pushed ${recorded.model} weights ${version}: ${pushed.files.length} files, ${formatBytes(pushed.totalBytes)} in ${seconds.toFixed(1)} s`,
          `  sent ${formatBytes(pushed.bytesUploaded)}, already in the registry ${formatBytes(pushed.bytesSkipped)}${pushed.resumed ? `, ${pushed.resumed} upload(s) resumed` : ''}`,
          `  ${registry}/${repository}@${pushed.digest}`,
          `Next: latchkey model publish ${short} --version V --weights ${version}`,
          '',
        ].join('\n'),
      );
    });

  weights
    .command('pull')
    .description('download weights version V into DIR, checking every file against its sha256')
    .argument('<name>', 'the model: NAME or <org-slug>/NAME')
    .requiredOption('--version <v>', 'the weights version')
    .requiredOption('--out <dir>', 'where to write the files (created if missing)')
    .option('--json', 'print one JSON object, for scripts (no progress bar)')
    .action(async (name: string, o: { version: string; out: string; json?: boolean }) => {
      const c = readCredentials();
      const short = shortName(c, name);
      const version = checkVersion(o.version);
      const json = o.json === true;
      const record = await api<WeightsRecord>(
        c.server,
        path(c, short, `/${encodeURIComponent(version)}`),
        {
          apiKey: c.apiKey,
        },
      );
      const { registry, auth } = await registryAuth(c, json);
      const bar = startTransfer('downloading', { json });
      const started = performance.now();
      let pulled: Awaited<ReturnType<typeof pullWeights>>;
      try {
        pulled = await pullWeights({
          registry,
          repository: record.repository,
          reference: record.manifestDigest,
          auth,
          outDir: resolve(o.out),
          onProgress: (p) => bar.update(p.done, p.total),
        });
      } catch (error) {
        throw fromOci(error);
      } finally {
        bar.stop();
      }
      const seconds = (performance.now() - started) / 1000;
      const key = (f: { path: string; digest: string; size: number }) =>
        `${f.path} ${f.digest} ${f.size}`;
      if (pulled.files.map(key).join('\n') !== record.files.map(key).join('\n'))
        throw new CliError(
          'WEIGHTS_DIGEST_MISMATCH',
          `the registry's manifest for ${record.model} weights ${version} lists other files than the server recorded`,
        );
      const result = {
        model: record.model,
        version,
        manifestDigest: record.manifestDigest,
        out: resolve(o.out),
        files: pulled.files,
        totalBytes: pulled.totalBytes,
        seconds: Math.round(seconds * 1000) / 1000,
      };
      if (json) return printJson(result);
      process.stdout.write(
        `Pulled ${record.model} weights ${version}: ${pulled.files.length} files, ${formatBytes(pulled.totalBytes)} into ${result.out} in ${seconds.toFixed(1)} s (every sha256 checked)\n`,
      );
    });

  weights
    .command('list')
    .description("the model's weights versions")
    .argument('<name>', 'the model: NAME or <org-slug>/NAME')
    .option('--json', 'print one JSON object, for scripts')
    .action(async (name: string, o: { json?: boolean }) => {
      const c = readCredentials();
      const short = shortName(c, name);
      const list = await api<{ data: WeightsRecord[] }>(c.server, path(c, short), {
        apiKey: c.apiKey,
      });
      if (o.json) return printJson(list);
      printTable(
        list.data.map((w) => ({
          VERSION: w.version,
          FILES: String(w.fileCount),
          SIZE: formatBytes(w.totalBytes),
          DIGEST: `${w.manifestDigest.slice(0, 19)}…`,
          CREATED: w.createdAt,
        })),
      );
    });

  weights
    .command('delete')
    .description(
      'delete weights version V (its manifest in the registry too); refused while a published version uses it',
    )
    .argument('<name>', 'the model: NAME or <org-slug>/NAME')
    .requiredOption('--version <v>', 'the weights version')
    .option('--json', 'print one JSON object, for scripts')
    .action(async (name: string, o: { version: string; json?: boolean }) => {
      const c = readCredentials();
      const short = shortName(c, name);
      const version = checkVersion(o.version);
      const deleted = await api<WeightsRecord>(
        c.server,
        path(c, short, `/${encodeURIComponent(version)}`),
        {
          method: 'DELETE',
          apiKey: c.apiKey,
        },
      );
      if (o.json) return printJson(deleted);
      process.stdout.write(
        `Deleted ${deleted.model} weights ${version} (${deleted.fileCount} files, ${formatBytes(deleted.totalBytes)}).\n`,
      );
    });
}
