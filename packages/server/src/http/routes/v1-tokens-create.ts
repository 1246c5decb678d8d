import {
  GRANT_LIMITS,
  isModelRef,
  isOrigin,
  MAX_METADATA_BYTES,
  MAX_TOKEN_SECONDS,
  MODEL_REF_RULE,
  metadataBytes,
  ORIGIN_RULE,
} from '@latchkey/core';
import { z } from 'zod';
import { resolveModelRef } from '../../models/resolve-model-ref.js';
import { mintToken } from '../../services/mint-token.js';
import { authenticateKey } from '../authenticate.js';
import { HttpError } from '../http-error.js';
import { readJson } from '../read-json.js';
import type { Route, RouteSpec } from '../route.js';

export const CreateTokenBody = z
  .strictObject({
    expiresIn: z.number().int().min(1).max(MAX_TOKEN_SECONDS).optional(),
    models: z
      .array(z.string().refine((m) => m === '*' || isModelRef(m), `${MODEL_REF_RULE} (or "*")`))
      .min(1)
      .max(GRANT_LIMITS.models)
      .optional(),
    maxSessions: z.number().int().min(1).max(GRANT_LIMITS.maxSessions).optional(),
    origins: z
      .array(z.string().max(256).refine(isOrigin, ORIGIN_RULE))
      .max(GRANT_LIMITS.origins)
      .optional(),
    maxSessionSeconds: z.number().int().min(1).max(MAX_TOKEN_SECONDS).optional(),
    metadata: z
      .record(z.string().max(GRANT_LIMITS.metadataKey), z.unknown())
      .optional()
      .refine(
        (m) => m === undefined || (metadataBytes(m) ?? Infinity) <= MAX_METADATA_BYTES,
        `must be at most ${MAX_METADATA_BYTES} bytes as JSON`,
      ),
  })
  .meta({ id: 'CreateTokenRequest' });

export const CreateTokenResponse = z
  .object({ token: z.string(), tokenId: z.string(), expiresAt: z.string() })
  .meta({ id: 'CreateTokenResponse' });

export const spec: RouteSpec = {
  method: 'post',
  path: '/v1/tokens',
  operationId: 'createToken',
  summary: 'Mint a session token',
  description:
    'Trades an app key for a short-lived session token (at most 6 h) for a browser. The token is signed with EdDSA and can be verified offline from /.well-known/jwks.json.',
  auth: 'apiKey',
  body: CreateTokenBody,
  responses: {
    201: { description: 'The token', schema: CreateTokenResponse },
    400: { description: 'INVALID_REQUEST' },
    401: { description: 'MISSING_API_KEY, INVALID_API_KEY, API_KEY_EXPIRED, API_KEY_REVOKED' },
    403: {
      description:
        "WRONG_KEY_KIND (partner keys cannot mint), MODEL_NOT_ALLOWED (a private partner model that does not list the key's org)",
    },
    404: {
      description:
        'MODEL_NOT_FOUND, MODEL_VERSION_NOT_FOUND (a partner model or version that does not exist)',
    },
    410: { description: 'MODEL_RETIRED' },
    413: { description: 'PAYLOAD_TOO_LARGE' },
    429: { description: 'RATE_LIMITED' },
  },
};

export const route: Route = {
  spec,
  async handle(c, p) {
    const key = await authenticateKey(c, p);
    if (key.kind !== 'app') {
      throw new HttpError(
        'WRONG_KEY_KIND',
        'only app keys (rk_) mint session tokens; this is a partner key (rp_)',
      );
    }
    const rate = p.config.mintRatePerKey;
    if (rate > 0) {
      const d = await p.limiter.take(`mint:${key.id}`, { perSecond: rate, burst: rate * 2 });
      if (!d.allowed) {
        p.metrics.mints.inc({ outcome: 'rate_limited' });
        throw new HttpError('RATE_LIMITED', `this key may mint ${rate} tokens per second`, {
          'Retry-After': String(d.retryAfter),
        });
      }
    }
    const body = await readJson(c, CreateTokenBody, true);
    // Each partner model named must be usable by this org now ("*" is checked at use).
    for (const model of body.models ?? []) {
      if (model === '*') continue;
      const usable = await resolveModelRef(p.db, model, key.orgId);
      if (!usable.ok) {
        p.metrics.mints.inc({ outcome: 'refused' });
        throw HttpError.from(usable);
      }
    }
    const minted = mintToken(
      { clock: p.clock, signingKeys: p.signingKeys, issuer: p.issuer, audience: p.config.audience },
      key,
      body,
    );
    const g = minted.claims.grant;
    // Answer only once the audit row is durable (group commit keeps this cheap).
    await p.audit.write({
      orgId: key.orgId,
      action: 'token.minted',
      actor: key.id,
      target: minted.tokenId,
      outcome: 'ok',
      ip: c.get('ip'),
      userAgent: c.req.header('user-agent') ?? null,
      requestId: c.get('requestId'),
      data: {
        keyId: key.id,
        expiresAt: minted.expiresAt,
        models: g.models,
        maxSessions: g.maxSessions,
        origins: g.origins,
        maxSessionSeconds: g.maxSessionSeconds,
        metadataBytes: metadataBytes(g.metadata),
      },
    });
    p.keys.touch(key.id);
    p.metrics.mints.inc({ outcome: 'ok' });
    return c.json(
      { token: minted.token, tokenId: minted.tokenId, expiresAt: minted.expiresAt },
      201,
      { 'Cache-Control': 'no-store' },
    );
  },
};
