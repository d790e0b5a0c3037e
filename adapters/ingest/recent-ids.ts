/**
 * Ids of the records this process had JetStream acknowledge most recently,
 * bounded by count. A device that resends a packet whose ACK it lost is
 * answered at once without publishing again. This is only the cheap first
 * line: another adapter node, a restart or an older resend still reach the
 * stream, and every consumer de-duplicates by record id behind it.
 */
export class RecentIds {
  private readonly ids = new Set<string>();

  constructor(private readonly capacity: number) {}

  has(id: string): boolean {
    return this.ids.has(id);
  }

  add(id: string): void {
    if (this.capacity <= 0 || this.ids.has(id)) return;
    this.ids.add(id);
    if (this.ids.size > this.capacity) {
      // A Set iterates in insertion order: the first entry is the oldest.
      const oldest = this.ids.values().next().value as string;
      this.ids.delete(oldest);
    }
  }

  get size(): number {
    return this.ids.size;
  }
}
