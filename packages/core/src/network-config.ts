// The realtime media settings `latchkey serve` and `latchkey runtime` both read from
// the environment (see docs/realtime-networking.md), parsed once at start-up with zod.
import { z } from 'zod';
import { formatIssues } from './format-issues.js';
import type { TurnConfig } from './turn-credentials.js';

/** A setting that cannot be used; the message names the variable at fault. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

const ipList = (example: string) =>
  z
    .string()
    .transform((text) => text.split(',').map((a) => a.trim()))
    .pipe(
      z
        .array(
          z.union([z.ipv4(), z.ipv6()], {
            message: `must be IP addresses separated by commas, e.g. ${example}`,
          }),
        )
        .min(1),
    );

/** The media variables, for a configuration schema to include. */
export const NETWORK_ENV = z.object({
  LATCHKEY_ICE_HOST_ADDRESSES: ipList('127.0.0.1,192.168.1.20').optional(),
  LATCHKEY_ICE_ANNOUNCED_ADDRESS: ipList('203.0.113.10').optional(),
  LATCHKEY_RTC_PORTS: z
    .string()
    .transform((text, ctx) => {
      const m = /^(\d{1,5})-(\d{1,5})$/.exec(text.trim());
      const [first, last] = [Number(m?.[1]), Number(m?.[2])];
      if (!m || first < 1 || last > 65535 || first > last) {
        ctx.addIssue({
          code: 'custom',
          message: 'must be a UDP port range FIRST-LAST within 1-65535, e.g. 50000-50100',
        });
        return z.NEVER;
      }
      return [first, last] as [number, number];
    })
    .optional(),
  LATCHKEY_TURN_URLS: z
    .string()
    .transform((text) => text.split(',').map((u) => u.trim()))
    .pipe(
      z
        .array(
          z.string().regex(/^turns?:[^\s?]+(\?transport=(udp|tcp))?$/, {
            message:
              'must be turn: or turns: URLs separated by commas, e.g. turn:turn.example.com:3478?transport=udp',
          }),
        )
        .min(1)
        .max(8),
    )
    .optional(),
  // The message never repeats the value: it is a secret.
  LATCHKEY_TURN_SECRET: z.string().min(16, 'must be at least 16 characters').optional(),
});

/** Where realtime media is reached: a runtime's ICE settings and the TURN server. */
export interface NetworkConfig {
  /** The addresses a runtime offers as ICE host candidates; undefined: every interface and loopback. */
  iceHostAddresses: string[] | undefined;
  /** Public addresses it offers instead (1:1 NAT). */
  iceAnnouncedAddresses: string[] | undefined;
  /** UDP ports its media may use. */
  rtcPorts: [number, number] | undefined;
  /** A TURN server (coturn, use-auth-secret): credentials per session, or relays for a runtime. */
  turn: TurnConfig | undefined;
}

/** The media settings from parsed variables; throws ConfigError when the TURN pair is half set. */
export function networkFrom(e: z.infer<typeof NETWORK_ENV>): NetworkConfig {
  if (!e.LATCHKEY_TURN_URLS !== !e.LATCHKEY_TURN_SECRET) {
    throw new ConfigError(
      e.LATCHKEY_TURN_URLS
        ? 'LATCHKEY_TURN_SECRET: required with LATCHKEY_TURN_URLS (the static-auth-secret coturn shares)'
        : 'LATCHKEY_TURN_URLS: required with LATCHKEY_TURN_SECRET (where browsers reach the TURN server)',
    );
  }
  return {
    iceHostAddresses: e.LATCHKEY_ICE_HOST_ADDRESSES,
    iceAnnouncedAddresses: e.LATCHKEY_ICE_ANNOUNCED_ADDRESS,
    rtcPorts: e.LATCHKEY_RTC_PORTS,
    turn:
      e.LATCHKEY_TURN_URLS && e.LATCHKEY_TURN_SECRET
        ? { urls: e.LATCHKEY_TURN_URLS, secret: e.LATCHKEY_TURN_SECRET }
        : undefined,
  };
}

/** Parses variables (empty ones count as unset); throws ConfigError naming the first at fault. */
export function parseEnv<T extends z.ZodType>(
  schema: T,
  env: Record<string, string | undefined>,
): z.infer<T> {
  const clean = Object.fromEntries(
    Object.entries(env).filter(([, v]) => v !== undefined && v !== ''),
  );
  const parsed = schema.safeParse(clean);
  if (!parsed.success) {
    // A setting is named by its variable alone, wherever in its parsed value the issue is.
    const issues = parsed.error.issues.map((i) => ({ ...i, path: i.path.slice(0, 1) }));
    throw new ConfigError(
      formatIssues(issues, { max: 1, root: 'environment' }) || 'environment: invalid',
    );
  }
  return parsed.data;
}

/**
 * The realtime network settings alone, for a runtime in its own process
 * (`latchkey runtime`): the same variables and checks as the server's configuration.
 *
 * @example
 * const network = loadNetworkConfig(process.env);
 * await startRuntimeAgent({ ..., hostAddresses: network.iceHostAddresses, turn: network.turn });
 */
export function loadNetworkConfig(
  env: Record<string, string | undefined> = process.env,
): NetworkConfig {
  return networkFrom(parseEnv(NETWORK_ENV, env));
}
