import type { Command } from 'commander';

/** The media options `serve` and `runtime` share (see docs/realtime-networking.md). */
export function addNetworkOptions(command: Command): Command {
  return command
    .option(
      '--ice-host <addresses>',
      'media: addresses to offer browsers, comma-separated (default: LATCHKEY_ICE_HOST_ADDRESSES, else every interface and 127.0.0.1)',
    )
    .option(
      '--ice-announce <addresses>',
      'media: public addresses to offer instead, behind 1:1 NAT (default: LATCHKEY_ICE_ANNOUNCED_ADDRESS)',
    )
    .option(
      '--rtc-ports <first-last>',
      'media: the UDP port range, e.g. 50000-50100 (default: LATCHKEY_RTC_PORTS, else any)',
    );
}

/** Those options as the variables they override. */
export function networkFlags(o: {
  iceHost?: string | undefined;
  iceAnnounce?: string | undefined;
  rtcPorts?: string | undefined;
}): Record<string, string> {
  return {
    ...(o.iceHost !== undefined ? { LATCHKEY_ICE_HOST_ADDRESSES: o.iceHost } : {}),
    ...(o.iceAnnounce !== undefined ? { LATCHKEY_ICE_ANNOUNCED_ADDRESS: o.iceAnnounce } : {}),
    ...(o.rtcPorts !== undefined ? { LATCHKEY_RTC_PORTS: o.rtcPorts } : {}),
  };
}
