import { Generations } from './generations.ts';
import { fingerprint, fingerprintOf } from './id-fingerprint.ts';

/** Bits set per id, all inside one 512-bit block (one cache line): a lookup costs one memory miss per generation. */
const BITS_PER_ID_SET = 8;
const BLOCK_WORDS = 16;
const TWO_32 = 4_294_967_296;

/**
 * Ids stored over a long horizon, for the store's exactly-once check: a
 * generational blocked Bloom filter (the current generation and the one
 * before, each holding `capacity` / 2 ids at `bitsPerId` bits, ~1.5 B an id
 * at the default 12 bits against 16 B in RecentIdFilter).
 *
 * "Certainly not stored" is exact; "maybe stored" is wrong for ~1 % of new
 * ids, and the store sink looks every "maybe" up in ClickHouse, so a false
 * answer costs a lookup, never a record. What it buys is reach: a GT06
 * device in a reconnect storm resends its unconfirmed window minutes after
 * JetStream took it, and a filter holding the last 2-4 M ids (five minutes at
 * 13k rec/s) let ~60 of those be stored twice; at 24 M ids it is half an hour.
 */
export class StoredIdFilter {
  private readonly tables: Generations<Int32Array>;
  private readonly blocks: number;

  constructor(capacity: number, bitsPerId = 12) {
    const perGeneration = Math.max(1, Math.floor(capacity / 2));
    const blocks = Math.max(1, Math.ceil((perGeneration * bitsPerId) / (BLOCK_WORDS * 32)));
    this.blocks = blocks;
    this.tables = new Generations(perGeneration, () => new Int32Array(blocks * BLOCK_WORDS));
  }

  /** Bytes held by both generations. */
  get bytes(): number {
    return this.tables.bytes;
  }

  mightContain(id: string): boolean {
    fingerprintOf(id);
    return this.has(this.tables.current) || this.has(this.tables.previous);
  }

  add(id: string): void {
    fingerprintOf(id);
    if (this.has(this.tables.current)) return;
    this.tables.admitOne();
    this.walk(this.tables.current, true);
  }

  private has(t: Int32Array): boolean {
    return this.walk(t, false);
  }

  /** The id's eight bits in its block (fingerprint.a picks the block, b and a step through it): tests them, or sets them. */
  private walk(t: Int32Array, set: boolean): boolean {
    const base = this.blockOf(fingerprint.a);
    let h = fingerprint.b;
    const step = stepOf(fingerprint.a, fingerprint.b);
    for (let k = 0; k < BITS_PER_ID_SET; k++) {
      const bit = h >>> 23;
      const word = base + (bit >>> 5);
      const mask = 1 << (bit & 31);
      if (set) t[word]! |= mask;
      else if ((t[word]! & mask) === 0) return false;
      h = (h + step) >>> 0;
    }
    return true;
  }

  private blockOf(a: number): number {
    return Math.floor((a * this.blocks) / TWO_32) * BLOCK_WORDS;
  }
}

/** The stride between an id's bit positions (double hashing), odd so the eight positions differ. */
function stepOf(a: number, b: number): number {
  let s = Math.imul(b ^ (b >>> 16) ^ a, 0x85ebca6b);
  s ^= s >>> 13;
  return (s | 1) >>> 0;
}
