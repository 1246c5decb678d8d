import type { ModelInfo } from '@latchkey/core';
import { parseModels, runtimeState } from '../realtime/runtime-credentials.js';
import type { RuntimeRow } from '../realtime/schema.js';

export type VersionState = 'registered' | 'deploying' | 'live' | 'failed' | 'retired';

/** What one online runtime says of one version. Absent state means ready. */
export interface Announcement {
  runtimeId: string;
  state: NonNullable<ModelInfo['state']> | undefined;
}

/**
 * The state of a version (docs/partner-models.md): `retired` when retired; else `live`
 * while an online runtime announces it ready, `deploying` while one pulls it, `failed`
 * when one announces a failure or the last report stored one, `registered` otherwise.
 *
 * @example
 * versionState({ retired: false, failedAt: null, announcements: [{ runtimeId: 'r', state: 'ready' }] }) // 'live'
 */
export function versionState(input: {
  retired: boolean;
  failedAt: Date | string | null;
  announcements: Announcement[];
}): VersionState {
  if (input.retired) return 'retired';
  const states = input.announcements.map((a) => a.state ?? 'ready');
  if (states.includes('ready')) return 'live';
  if (states.includes('deploying')) return 'deploying';
  if (states.includes('failed') || input.failedAt !== null) return 'failed';
  return 'registered';
}

/**
 * What the online runtimes that may serve a model (the model's org's, and the operator's
 * with no org) announce of each of its versions. An announcement without a version is
 * of the model's default version (a runtime that does not say).
 */
export function announcementsByVersion(
  runtimes: RuntimeRow[],
  model: { name: string; orgId: string; defaultVersion: string | null },
  now: number,
): Map<string, Announcement[]> {
  const out = new Map<string, Announcement[]>();
  for (const r of runtimes) {
    if (r.org_id !== null && r.org_id !== model.orgId) continue;
    if (runtimeState(r, now) !== 'online') continue;
    for (const m of parseModels(r.models)) {
      if (m.name !== model.name) continue;
      const version = m.version ?? model.defaultVersion;
      if (version === null) continue;
      const list = out.get(version) ?? [];
      list.push({ runtimeId: r.id, state: m.state });
      out.set(version, list);
    }
  }
  return out;
}
