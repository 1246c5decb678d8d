/**
 * The UDP ports a runtime may use for media (`LATCHKEY_RTC_PORTS`, for firewalls), handed
 * out in small contiguous blocks, one block per peer connection, so sessions in this
 * process never race each other for a port. werift binds inside the block it is given.
 */
export class PortPool {
  private readonly used: boolean[];

  constructor(
    readonly min: number,
    readonly max: number,
  ) {
    if (!Number.isInteger(min) || !Number.isInteger(max) || min < 1 || max > 65535 || min > max)
      throw new TypeError(
        `rtcPorts: [${min}, ${max}] is not a port range (1-65535, the first not above the last)`,
      );
    this.used = new Array(max - min + 1).fill(false);
  }

  /** `count` free ports in a row, marked used; undefined when the range has no such run. */
  take(count: number): [number, number] | undefined {
    let run = 0;
    for (let i = 0; i < this.used.length; i++) {
      run = this.used[i] ? 0 : run + 1;
      if (run === count) {
        const first = i - count + 1;
        for (let j = first; j <= i; j++) this.used[j] = true;
        return [this.min + first, this.min + i];
      }
    }
    return undefined;
  }

  release([first, last]: [number, number]): void {
    for (let p = first; p <= last; p++) this.used[p - this.min] = false;
  }

  get free(): number {
    return this.used.filter((u) => !u).length;
  }
}
