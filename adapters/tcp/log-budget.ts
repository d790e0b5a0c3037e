/**
 * A budget of log lines per time window, for events an outsider can trigger
 * at will (malformed UDP datagrams, refused connections): the first few in a
 * window are logged in full, the rest are only counted, and the next line
 * logged says how many were left out. One noisy sender must not turn the log
 * into the bottleneck, nor bury everyone else's lines.
 */
export class LogBudget {
  private windowStart = Number.NEGATIVE_INFINITY;
  private usedInWindow = 0;
  private suppressed = 0;

  constructor(
    private readonly linesPerWindow: number,
    private readonly windowMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * Call once per event. Returns undefined when the line should be dropped;
   * otherwise how many lines were dropped since the last one allowed (put it
   * in the line, so the log still tells how bad it was).
   */
  take(): { suppressed: number } | undefined {
    const t = this.now();
    if (t - this.windowStart >= this.windowMs) {
      this.windowStart = t;
      this.usedInWindow = 0;
    }
    if (this.usedInWindow >= this.linesPerWindow) {
      this.suppressed++;
      return undefined;
    }
    this.usedInWindow++;
    const suppressed = this.suppressed;
    this.suppressed = 0;
    return { suppressed };
  }
}
