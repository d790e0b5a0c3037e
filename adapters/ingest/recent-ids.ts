/**
 * Ids of the records this process had JetStream acknowledge most recently,
 * bounded by count. A device that resends a packet whose ACK it lost is
 * answered at once without publishing again. This is only the cheap first
 * line: another adapter node, a restart or an older resend still reach the
 * stream, and every consumer de-duplicates by record id behind it.
 */
export class RecentIds {
  private readonly ids = new Set<string>();
  /** Insertion order, as a ring: the slot about to be overwritten holds the oldest id. */
  private readonly ring: (string | undefined)[];
  private next = 0;

  constructor(private readonly capacity: number) {
    this.ring = new Array<string | undefined>(Math.max(0, capacity));
  }

  has(id: string): boolean {
    return this.ids.has(id);
  }

  add(id: string): void {
    if (this.capacity <= 0 || this.ids.has(id)) return;
    const oldest = this.ring[this.next];
    if (oldest !== undefined) this.ids.delete(oldest);
    this.ring[this.next] = id;
    this.next = (this.next + 1) % this.capacity;
    this.ids.add(id);
  }

  get size(): number {
    return this.ids.size;
  }
}
