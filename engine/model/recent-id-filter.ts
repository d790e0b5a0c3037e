/**
 * Record ids seen most recently, as 64-bit fingerprints in two open-addressing
 * tables (the current generation and the one before): it remembers between
 * `capacity` / 2 and `capacity` ids, 16 bytes of `capacity` each, with no
 * object per id for the garbage collector to trace.
 *
 * It answers "certainly not seen recently" or "seen (up to a fingerprint
 * collision)". The store sink looks every "seen" up in ClickHouse, so there a
 * collision costs a query, never a record: looking every id up cost ~6-15 µs
 * of ClickHouse CPU per record (parsing an IN list of thousands of ids), and
 * the filter leaves the lookup to the records that can be duplicates (a
 * device's resend after a lost ACK, JetStream's redeliveries). The adapters
 * answer a "seen" record as a resend without publishing it again
 * (adapters/ingest/record-publisher.ts).
 */
export class RecentIdFilter {
  private current: Uint32Array;
  private previous: Uint32Array;
  private count = 0;
  private readonly slots: number;
  private readonly perGeneration: number;

  constructor(capacity: number) {
    // Each generation holds capacity/2 ids at a load of at most 1/2: capacity slots of two words.
    this.perGeneration = Math.max(1, Math.floor(capacity / 2));
    let slots = 1;
    while (slots < this.perGeneration * 2) slots <<= 1;
    this.slots = slots;
    this.current = new Uint32Array(slots * 2);
    this.previous = new Uint32Array(slots * 2);
  }

  mightContain(id: string): boolean {
    fingerprint(id);
    const a = fpA;
    const b = fpB;
    return this.find(this.current, a, b) || this.find(this.previous, a, b);
  }

  add(id: string): void {
    fingerprint(id);
    const a = fpA;
    const b = fpB;
    if (this.find(this.current, a, b)) return;
    if (this.count >= this.perGeneration) {
      const old = this.previous;
      this.previous = this.current;
      this.current = old;
      this.current.fill(0);
      this.count = 0;
    }
    const mask = this.slots - 1;
    for (let i = a & mask; ; i = (i + 1) & mask) {
      if (this.current[i * 2] === 0 && this.current[i * 2 + 1] === 0) {
        this.current[i * 2] = a;
        this.current[i * 2 + 1] = b;
        this.count++;
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

let fpA = 0;
let fpB = 0;

/** Two independent 32-bit FNV-1a variants into fpA/fpB (no allocation per id); (0, 0) marks an empty slot, so it is never produced. */
function fingerprint(id: string): void {
  let a = 0x811c9dc5;
  let b = 0x01000193 ^ id.length;
  for (let i = 0; i < id.length; i++) {
    const c = id.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995);
    b ^= b >>> 15;
  }
  fpA = a >>> 0 || 1;
  fpB = b >>> 0;
}
