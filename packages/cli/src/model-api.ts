import { api } from './api-client.js';
import { type Credentials, readCredentials } from './credentials-file.js';
import { EXIT } from './exit-codes.js';
import { CliError } from './output.js';

/** A partner model as `GET /v1/orgs/{org}/models/{model}` answers. */
export interface PartnerModel {
  id: string;
  name: string;
  org: string;
  kind: 'realtime' | 'batch';
  description: string;
  visibility: 'public' | 'private';
  allowedOrgs: string[];
  defaultVersion: string | null;
  versions: Array<{
    version: string;
    state: 'registered' | 'deploying' | 'live' | 'failed' | 'retired';
    default: boolean;
    image: string | null;
    imageDigest: string | null;
    weights: { version: string; manifestDigest: string | null; totalBytes: number | null } | null;
    resources: Record<string, unknown>;
    runtimes: Array<{ id: string; state: string }>;
    failedMessage: string | null;
    createdAt: string;
    retiredAt: string | null;
  }>;
  createdAt: string;
  updatedAt: string;
}

export interface ModelEvent {
  seq: number;
  at: string;
  action: string;
  outcome: string;
  target: string | null;
  actor: string | null;
  own: boolean;
  data: Record<string, unknown>;
}

/** The logged-in partner org, and the short name of `name` (`styler` or `<org-slug>/styler`) in it. */
export function modelTarget(name: string | undefined): { c: Credentials; short: string } {
  const c = readCredentials();
  if (name === undefined) return { c, short: '' };
  const slash = name.indexOf('/');
  if (slash >= 0 && name.slice(0, slash) !== c.orgSlug)
    throw new CliError(
      'USAGE',
      `model "${name}" is not in org "${c.orgSlug}", which you are logged in to`,
      `Name it ${c.orgSlug}/NAME (or just NAME), or log in with that org's partner key.`,
      EXIT.USAGE,
    );
  return { c, short: slash >= 0 ? name.slice(slash + 1) : name };
}

const base = (c: Credentials) => `/v1/orgs/${encodeURIComponent(c.orgSlug)}/models`;
const one = (c: Credentials, short: string) => `${base(c)}/${encodeURIComponent(short)}`;

export const modelApi = {
  list: (c: Credentials) => api<{ data: PartnerModel[] }>(c.server, base(c), { apiKey: c.apiKey }),
  get: (c: Credentials, short: string) =>
    api<PartnerModel>(c.server, one(c, short), { apiKey: c.apiKey }),
  create: (c: Credentials, body: Record<string, unknown>) =>
    api<PartnerModel>(c.server, base(c), { method: 'POST', apiKey: c.apiKey, body }),
  update: (c: Credentials, short: string, body: Record<string, unknown>) =>
    api<PartnerModel>(c.server, one(c, short), { method: 'PATCH', apiKey: c.apiKey, body }),
  publish: (c: Credentials, short: string, body: Record<string, unknown>) =>
    api<PartnerModel>(c.server, `${one(c, short)}/versions`, {
      method: 'POST',
      apiKey: c.apiKey,
      body,
    }),
  retire: (c: Credentials, short: string, version: string) =>
    api<PartnerModel>(c.server, `${one(c, short)}/versions/${encodeURIComponent(version)}/retire`, {
      method: 'POST',
      apiKey: c.apiKey,
    }),
  events: (c: Credentials, short: string, after: number | null, limit = 500) =>
    api<{ data: ModelEvent[]; next: number | null; more: boolean }>(
      c.server,
      `${one(c, short)}/events?limit=${limit}${after === null ? '' : `&after=${after}`}`,
      { apiKey: c.apiKey },
    ),
};
