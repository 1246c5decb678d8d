// The shapes of the management API (docs/management-api.md), as the dashboard reads them.

export type Role = 'viewer' | 'developer' | 'admin' | 'owner';

export interface User {
  id: string;
  email: string;
  name: string;
  emailVerified: boolean;
  twoFactorEnabled: boolean;
  instanceAdmin: boolean;
}

export interface Org {
  id: string;
  name: string;
  slug: string;
  partner: boolean;
  createdAt: string;
  /** Null for an instance admin who is not a member (acts as owner). */
  role: Role | null;
}

export interface Me {
  user: User;
  orgs: Org[];
}

export type SignInAnswer = { user: User } | { twoFactorRequired: true; methods: string[] };

export type KeyKind = 'app' | 'partner';
export type KeyState = 'active' | 'expired' | 'revoked';

export interface ApiKey {
  id: string;
  orgId: string;
  kind: KeyKind;
  name: string;
  display: string;
  state: KeyState;
  createdAt: string;
  createdBy: string | null;
  lastUsedAt: string | null;
  expiresAt: string | null;
  revokedAt: string | null;
  revokedReason: string | null;
  rotatedTo: string | null;
}

export interface CreatedKey {
  key: ApiKey;
  secret: string;
}

export interface RotatedKey extends CreatedKey {
  old: ApiKey;
}

export interface RevokedKey extends ApiKey {
  sessionsEnded?: number;
  credentialsEnded?: number;
}

export interface AuditEvent {
  id: string;
  seq?: number;
  at: string;
  orgId: string | null;
  action: string;
  actor: string;
  target: string | null;
  outcome: string;
  ip: string | null;
  userAgent: string | null;
  requestId: string | null;
  data: unknown;
}

export interface Page<T> {
  data: T[];
  nextCursor?: string | null;
}

export interface LiveSession {
  sessionId: string;
  model: string;
  state: string;
  createdAt: string;
  activeAt?: string | null;
  closedAt: string | null;
  expiresAt?: string | null;
  closeReason: string | null;
  keyId: string | null;
  tokenId: string | null;
  origin: string | null;
  runtimeId: string | null;
}

export interface UsageDay {
  day: string;
  tokensMinted: number;
  sessionsStarted: number;
  sessionMinutes: number;
  jobs: number;
  failedAuths: number;
}

export interface Usage {
  from: string;
  to: string;
  days: UsageDay[];
}

export interface Member {
  userId: string;
  email: string;
  name: string;
  role: Role;
  joinedAt: string;
}

export interface Invitation {
  id: string;
  orgId: string;
  email: string | null;
  role: Role;
  createdBy: string;
  createdAt: string;
  expiresAt: string;
  state: 'pending' | 'accepted' | 'expired' | 'revoked';
  acceptedBy: string | null;
}

export interface CreatedInvitation {
  invitation: Invitation;
  token: string;
  url: string;
}

export interface InvitationOffer {
  org: { name: string; slug: string };
  role: Role;
  email: string | null;
  expiresAt: string;
  state?: Invitation['state'];
}

export interface RegistryCredential {
  id: string;
  orgId: string;
  keyId: string | null;
  keyDisplay: string | null;
  display: string;
  state: 'active' | 'expired' | 'revoked';
  createdAt: string;
  expiresAt: string;
  revokedAt: string | null;
  revokedReason: string | null;
}

export interface RegistryCredentials {
  registry: string | null;
  data: RegistryCredential[];
}

export interface DeviceRequest {
  userCode: string;
  clientName: string | null;
  clientIp: string | null;
  createdAt: string;
  expiresAt: string;
  state: 'pending' | 'approved' | 'denied';
}

// Partner models (docs/partner-models.md): the Models page of a partner org.

export type ModelKind = 'realtime' | 'batch';
export type ModelVisibility = 'public' | 'private';
export type ModelVersionState = 'registered' | 'deploying' | 'live' | 'failed' | 'retired';

/** A published version; its state is read from the org's runtimes as they report. */
export interface ModelVersion {
  version: string;
  state: ModelVersionState;
  default: boolean;
  image: string | null;
  /** The image's manifest digest, pinned when the version was published. */
  imageDigest: string | null;
  /** The weights version it runs with, and their size once recorded. */
  weights: { version: string; manifestDigest: string | null; totalBytes: number | null } | null;
  resources: Record<string, unknown>;
  /** The online runtimes announcing this version, and what they say of it. */
  runtimes: Array<{ id: string; state: 'deploying' | 'ready' | 'failed' }>;
  /** The last failure a runtime reported (state `failed`). */
  failedMessage: string | null;
  failedAt: string | null;
  createdAt: string;
  retiredAt: string | null;
}

export interface PartnerModel {
  id: string;
  /** `<org-slug>/<name>`. */
  name: string;
  org: string;
  kind: ModelKind;
  description: string;
  visibility: ModelVisibility;
  allowedOrgs: string[];
  defaultVersion: string | null;
  /** Newest first. */
  versions: ModelVersion[];
  createdAt: string;
  updatedAt: string;
}

export interface WeightsFile {
  path: string;
  digest: string;
  size: number;
}

/** A pushed weights version: an OCI artifact in `<org-slug>/weights/<name>`. */
export interface WeightsVersion {
  /** `<org-slug>/<name>`. */
  model: string;
  version: string;
  /** HOST[:PORT] of the registry. */
  registry: string | null;
  repository: string;
  manifestDigest: string;
  totalBytes: number;
  fileCount: number;
  files: WeightsFile[];
  createdAt: string;
  createdBy: string;
}

/** A runtime credential of the org (`rt_…`), and the runtime that registers with it. */
export interface RuntimeCredential {
  id: string;
  name: string;
  display: string | null;
  state: 'online' | 'offline' | 'revoked';
  models: string[];
  lastSeenAt: string | null;
  createdAt: string;
}

export interface CreatedRuntimeCredential {
  id: string;
  name: string;
  secret: string;
}
