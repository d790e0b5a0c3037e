/**
 * The two generations of a bounded id filter (RecentIdFilter,
 * StoredIdFilter): ids go into the current table; when it holds
 * `perGeneration`, it becomes the previous one and the table before it is
 * cleared for reuse. So a filter remembers between one and two generations of
 * ids in fixed memory, and forgetting costs one fill, not a walk over entries.
 */
export class Generations<T extends Int32Array | Uint32Array> {
  current: T;
  previous: T;
  private count = 0;

  constructor(
    private readonly perGeneration: number,
    create: () => T,
  ) {
    this.current = create();
    this.previous = create();
  }

  /** A new id is about to go into `current`: it starts a new generation first when the current one is full. */
  admitOne(): void {
    if (this.count >= this.perGeneration) {
      const old = this.previous;
      this.previous = this.current;
      this.current = old;
      this.current.fill(0);
      this.count = 0;
    }
    this.count++;
  }

  get bytes(): number {
    return this.current.byteLength + this.previous.byteLength;
  }
}
