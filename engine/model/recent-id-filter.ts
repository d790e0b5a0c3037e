import { Generations } from './generations.ts';
import { fingerprint, fingerprintOf } from './id-fingerprint.ts';

/**
 * Record ids seen most recently, as 64-bit fingerprints in two open-addressing
 * tables (the current generation and the one before): it remembers between
 * `capacity` / 2 and `capacity` ids, 16 bytes of `capacity` each, with no
 * object per id for the garbage collector to trace.
 *
 * It answers "certainly not seen recently" or "seen" up to a fingerprint
 * collision (one in 2^64 per pair of ids): the adapters answer a "seen"
 * record as a resend without publishing it again
 * (adapters/ingest/record-publisher.ts), so a wrong "seen" would lose a
 * record. The store sink, which confirms every "seen" in ClickHouse, uses the
 * ten times denser StoredIdFilter instead.
 */
export class RecentIdFilter {
  private readonly tables: Generations<Uint32Array>;
  private readonly slots: number;

  constructor(capacity: number) {
    // Each generation holds capacity/2 ids at a load of at most 1/2: capacity slots of two words.
    const perGeneration = Math.max(1, Math.floor(capacity / 2));
    let slots = 1;
    while (slots < perGeneration * 2) slots <<= 1;
    this.slots = slots;
    this.tables = new Generations(perGeneration, () => new Uint32Array(slots * 2));
  }

  mightContain(id: string): boolean {
    fingerprintOf(id);
    const { a, b } = fingerprint;
    return this.find(this.tables.current, a, b) || this.find(this.tables.previous, a, b);
  }

  add(id: string): void {
    fingerprintOf(id);
    const { a, b } = fingerprint;
    if (this.find(this.tables.current, a, b)) return;
    this.tables.admitOne();
    const t = this.tables.current;
    const mask = this.slots - 1;
    for (let i = a & mask; ; i = (i + 1) & mask) {
      if (t[i * 2] === 0 && t[i * 2 + 1] === 0) {
        t[i * 2] = a;
        t[i * 2 + 1] = b;
        return;
      }
    }
  }

  private find(t: Uint32Array, a: number, b: number): boolean {
    const mask = this.slots - 1;
    for (let i = a & mask; ; i = (i + 1) & mask) {
      const x = t[i * 2]!;
      const y = t[i * 2 + 1]!;
      if (x === 0 && y === 0) return false;
      if (x === a && y === b) return true;
    }
  }
}
