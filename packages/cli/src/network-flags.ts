/** The media flags `serve` and `runtime` share, as the variables they override. */
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
