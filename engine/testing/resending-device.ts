/**
 * A device with store-and-forward, as real trackers behave: it keeps each
 * record until the platform acknowledged it (HTTP 200), resending on any
 * failure. The test counts what was acknowledged and compares with the store.
 */
export class ResendingOsmandDevice {
  private queue: { t: number; lat: number; lon: number }[] = [];
  acked = 0;
  failures = 0;
  private running = true;
  private loop: Promise<void>;

  constructor(
    readonly id: string,
    private readonly url: () => string,
  ) {
    this.loop = this.run();
  }

  record(t: number): void {
    const i = this.queue.length + this.acked;
    this.queue.push({ t, lat: 45 + (i % 1000) * 0.0001, lon: 7 + (i % 1000) * 0.0001 });
  }

  get backlog(): number {
    return this.queue.length;
  }

  private async run(): Promise<void> {
    while (this.running || this.queue.length > 0) {
      const next = this.queue[0];
      if (!next) {
        await new Promise((r) => setTimeout(r, 20));
        continue;
      }
      const q = new URLSearchParams({ id: this.id, timestamp: String(next.t), lat: next.lat.toFixed(6), lon: next.lon.toFixed(6), speed: '20' });
      let ok = false;
      try {
        const r = await fetch(`${this.url()}/?${q}`, { signal: AbortSignal.timeout(10_000) });
        ok = r.status === 200;
        await r.arrayBuffer();
      } catch {
        ok = false;
      }
      if (ok) {
        this.queue.shift();
        this.acked++;
      } else {
        this.failures++;
        await new Promise((r) => setTimeout(r, 200));
      }
    }
  }

  /** Stop taking new records and wait until every buffered one is acknowledged. */
  async drain(timeoutMs: number): Promise<void> {
    this.running = false;
    await Promise.race([
      this.loop,
      new Promise((_, reject) => setTimeout(() => reject(new Error(`device ${this.id} still holds ${this.queue.length} records`)), timeoutMs)),
    ]);
  }
}
