import { z } from 'zod';
import { VersionString } from './model-schemas.js';

export const WeightsFileSchema = z
  .object({
    path: z.string().meta({ description: 'relative path in the weights directory, with /' }),
    digest: z.string().meta({ description: 'sha256:… of the whole file' }),
    size: z.number().int(),
  })
  .meta({ id: 'WeightsFile' });

export const WeightsSchema = z
  .object({
    model: z.string().meta({ description: '<org-slug>/<name>' }),
    version: z.string(),
    registry: z.string().nullable().meta({ description: 'HOST[:PORT] of the registry' }),
    repository: z.string().meta({ description: '<org-slug>/weights/<name>' }),
    manifestDigest: z.string(),
    totalBytes: z.number().int(),
    fileCount: z.number().int(),
    files: z.array(WeightsFileSchema),
    createdAt: z.string(),
    createdBy: z.string(),
  })
  .meta({ id: 'Weights' });

export const RecordWeightsBody = z
  .strictObject({
    version: VersionString,
    manifestDigest: z
      .string()
      .regex(/^sha256:[a-f0-9]{64}$/, 'must be sha256: and 64 lowercase hex digits')
      .describe('the digest of the manifest pushed to <org-slug>/weights/<name>'),
  })
  .meta({ id: 'RecordWeightsRequest' });
