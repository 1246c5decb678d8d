import { describe, expect, it } from 'vitest';
import type { RuntimeRow } from '../realtime/schema.js';
import { type Announcement, announcementsByVersion, versionState } from './version-state.js';

const a = (state: Announcement['state'], runtimeId = 'rtm_1'): Announcement => ({
  runtimeId,
  state,
});
const failedAt = new Date('2026-12-01T00:00:00Z');

describe('versionState', () => {
  it('is retired when retired, whatever runtimes say', () => {
    expect(versionState({ retired: true, failedAt: null, announcements: [a('ready')] })).toBe(
      'retired',
    );
  });

  it('is live while one runtime announces it ready (absent state = ready)', () => {
    expect(
      versionState({ retired: false, failedAt, announcements: [a('failed'), a('ready', 'r2')] }),
    ).toBe('live');
    expect(versionState({ retired: false, failedAt: null, announcements: [a(undefined)] })).toBe(
      'live',
    );
  });

  it('is deploying when none is ready and one pulls it', () => {
    expect(
      versionState({
        retired: false,
        failedAt,
        announcements: [a('failed'), a('deploying', 'r2')],
      }),
    ).toBe('deploying');
  });

  it('is failed when a runtime announces a failure, or the last report stored one', () => {
    expect(versionState({ retired: false, failedAt: null, announcements: [a('failed')] })).toBe(
      'failed',
    );
    expect(versionState({ retired: false, failedAt, announcements: [] })).toBe('failed');
  });

  it('is registered otherwise', () => {
    expect(versionState({ retired: false, failedAt: null, announcements: [] })).toBe('registered');
  });
});

describe('announcementsByVersion', () => {
  const now = Date.parse('2026-12-01T12:00:00Z');
  const row = (over: Partial<RuntimeRow>): RuntimeRow =>
    ({
      id: 'rtm_1',
      org_id: null,
      url: 'http://127.0.0.1:9',
      revoked_at: null,
      last_seen_at: new Date(now - 1000),
      models: JSON.stringify([
        { name: 'acme/x', kind: 'realtime', description: '', version: '2', state: 'ready' },
        { name: 'acme/x', kind: 'realtime', description: '', state: 'deploying' },
        { name: 'acme/y', kind: 'realtime', description: '', version: '2' },
      ]),
      ...over,
    }) as RuntimeRow;
  const model = { name: 'acme/x', orgId: 'org_acme', defaultVersion: '1' };

  it("reads the model's org's and the operator's online runtimes; no version means the default", () => {
    const got = announcementsByVersion(
      [row({}), row({ id: 'rtm_2', org_id: 'org_acme' })],
      model,
      now,
    );
    expect(Object.fromEntries(got)).toEqual({
      '2': [a('ready', 'rtm_1'), a('ready', 'rtm_2')],
      '1': [a('deploying', 'rtm_1'), a('deploying', 'rtm_2')],
    });
  });

  it("ignores another org's runtimes, offline, unregistered and revoked ones", () => {
    const got = announcementsByVersion(
      [
        row({ org_id: 'org_other' }),
        row({ last_seen_at: new Date(now - 10_000) }),
        row({ url: null }),
        row({ revoked_at: new Date(now) }),
      ],
      model,
      now,
    );
    expect(got.size).toBe(0);
  });
});
