import { http, seg, withQuery } from './client.js';
import type {
  ApiKey,
  AuditEvent,
  CreatedInvitation,
  CreatedKey,
  CreatedRuntimeCredential,
  DeviceRequest,
  Invitation,
  InvitationOffer,
  KeyKind,
  LiveSession,
  Me,
  Member,
  ModelKind,
  ModelVisibility,
  Org,
  Page,
  PartnerModel,
  RegistryCredential,
  RegistryCredentials,
  RevokedKey,
  Role,
  RotatedKey,
  RuntimeCredential,
  SignInAnswer,
  Usage,
  User,
  WeightsVersion,
} from './types.js';

export interface AuditFilters {
  since?: string;
  until?: string;
  action?: string;
  actor?: string;
  key?: string;
}

const org = (ref: string) => `/v1/orgs/${seg(ref)}`;

/** Every management-API operation the dashboard uses, one function each. */
export const api = {
  signUp: (body: { email: string; password: string; name?: string; invitation?: string }) =>
    http.post<{ user: User; signedIn: boolean }>('/v1/auth/sign-up/email', body),
  signIn: (body: { email: string; password: string; rememberMe?: boolean }) =>
    http.post<SignInAnswer>('/v1/auth/sign-in/email', body),
  verifyTotp: (body: { code: string; trustDevice?: boolean }) =>
    http.post<{ user: User }>('/v1/auth/two-factor/verify-totp', body),
  verifyBackupCode: (body: { code: string }) =>
    http.post<{ user: User }>('/v1/auth/two-factor/verify-backup-code', body),
  signOut: (everywhere = false) =>
    http.post<{ ok: true }>('/v1/auth/sign-out', everywhere ? { everywhere } : {}),
  changePassword: (body: {
    currentPassword: string;
    newPassword: string;
    revokeOtherSessions?: boolean;
  }) => http.post<{ ok: true }>('/v1/auth/change-password', body),
  enableTotp: (password: string) =>
    http.post<{ totpURI: string; backupCodes: string[] }>('/v1/auth/two-factor/enable', {
      password,
    }),
  disableTotp: (password: string) =>
    http.post<{ ok: true }>('/v1/auth/two-factor/disable', { password }),
  requestPasswordReset: (email: string) =>
    http.post<{ ok: true }>('/v1/auth/request-password-reset', { email }),
  resetPassword: (token: string, newPassword: string) =>
    http.post<{ ok: true }>('/v1/auth/reset-password', { token, newPassword }),
  me: () => http.get<Me>('/v1/me'),

  createOrg: (body: { name: string; slug?: string }) => http.post<Org>('/v1/orgs', body),
  getOrg: (ref: string) => http.get<Org>(org(ref)),
  updateOrg: (ref: string, body: { name?: string; slug?: string; partner?: boolean }) =>
    http.patch<Org>(org(ref), body),
  deleteOrg: (ref: string) => http.delete<{ ok: true }>(org(ref)),

  members: (ref: string) => http.get<Page<Member>>(`${org(ref)}/members`),
  setRole: (ref: string, userId: string, role: Role) =>
    http.patch<Member>(`${org(ref)}/members/${seg(userId)}`, { role }),
  removeMember: (ref: string, userId: string) =>
    http.delete<{ userId: string; removed: boolean }>(`${org(ref)}/members/${seg(userId)}`),
  invitations: (ref: string) => http.get<Page<Invitation>>(`${org(ref)}/invitations`),
  invite: (ref: string, body: { role: Role; email?: string }) =>
    http.post<CreatedInvitation>(`${org(ref)}/invitations`, body),
  revokeInvitation: (ref: string, id: string) =>
    http.delete<Invitation>(`${org(ref)}/invitations/${seg(id)}`),
  invitation: (token: string) => http.get<InvitationOffer>(`/v1/invitations/${seg(token)}`),
  acceptInvitation: (token: string) =>
    http.post<{ org: Org; role: Role }>(`/v1/invitations/${seg(token)}/accept`, {}),

  keys: (ref: string) => http.get<Page<ApiKey>>(`${org(ref)}/keys`),
  createKey: (ref: string, body: { name: string; kind?: KeyKind; expiresIn?: number }) =>
    http.post<CreatedKey>(`${org(ref)}/keys`, body),
  renameKey: (ref: string, keyId: string, name: string) =>
    http.patch<ApiKey>(`${org(ref)}/keys/${seg(keyId)}`, { name }),
  rotateKey: (ref: string, keyId: string, grace: number) =>
    http.post<RotatedKey>(`${org(ref)}/keys/${seg(keyId)}/rotate`, { grace }),
  revokeKey: (
    ref: string,
    keyId: string,
    body: { reason?: string; endSessions?: boolean; cascade?: boolean },
  ) => http.post<RevokedKey>(`${org(ref)}/keys/${seg(keyId)}/revoke`, body),

  audit: (ref: string, filters: AuditFilters & { limit?: number; cursor?: string }) =>
    http.get<Page<AuditEvent>>(`${org(ref)}/audit`, { ...filters }),
  auditExportUrl: (ref: string, format: 'ndjson' | 'csv', filters: AuditFilters) =>
    withQuery(`${org(ref)}/audit/export`, { format, ...filters }),

  sessions: (ref: string, state: 'active' | 'open' | 'closed' = 'active') =>
    http.get<Page<LiveSession>>(`${org(ref)}/sessions`, { state, limit: 100 }),
  endSession: (ref: string, id: string) =>
    http.delete<LiveSession>(`${org(ref)}/sessions/${seg(id)}`),

  usage: (ref: string, q: { from?: string; to?: string; key?: string }) =>
    http.get<Usage>(`${org(ref)}/usage`, q),

  device: (userCode: string) => http.get<DeviceRequest>(`/v1/device/${seg(userCode)}`),
  approveDevice: (userCode: string, org: string) =>
    http.post<{ request: DeviceRequest; key: ApiKey }>(`/v1/device/${seg(userCode)}/approve`, {
      org,
    }),
  denyDevice: (userCode: string) =>
    http.post<DeviceRequest>(`/v1/device/${seg(userCode)}/deny`, {}),

  registry: (ref: string) => http.get<RegistryCredentials>(`${org(ref)}/registry/credentials`),
  revokeCredential: (ref: string, id: string) =>
    http.post<RegistryCredential>(`${org(ref)}/registry/credentials/${seg(id)}/revoke`, {}),

  models: (ref: string) => http.get<Page<PartnerModel>>(`${org(ref)}/models`),
  createModel: (
    ref: string,
    body: { name: string; kind: ModelKind; description?: string; visibility?: ModelVisibility },
  ) => http.post<PartnerModel>(`${org(ref)}/models`, body),
  /** `model` is the name after the slash (`styler` of `modelco/styler`). */
  updateModel: (
    ref: string,
    model: string,
    body: {
      description?: string;
      visibility?: ModelVisibility;
      allowedOrgs?: string[];
      defaultVersion?: string;
    },
  ) => http.patch<PartnerModel>(`${org(ref)}/models/${seg(model)}`, body),
  retireVersion: (ref: string, model: string, version: string) =>
    http.post<unknown>(`${org(ref)}/models/${seg(model)}/versions/${seg(version)}/retire`, {}),

  weights: (ref: string, model: string) =>
    http.get<Page<WeightsVersion>>(`${org(ref)}/models/${seg(model)}/weights`),

  runtimeCredentials: (ref: string) =>
    http.get<Page<RuntimeCredential>>(`${org(ref)}/runtime-credentials`),
  createRuntimeCredential: (ref: string, name: string) =>
    http.post<CreatedRuntimeCredential>(`${org(ref)}/runtime-credentials`, { name }),
  revokeRuntimeCredential: (ref: string, id: string) =>
    http.delete<unknown>(`${org(ref)}/runtime-credentials/${seg(id)}`),
};
