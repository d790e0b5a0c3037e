/**
 * A small HDR-style latency histogram: values are recorded in microseconds
 * into log-linear buckets (every power of two split into 128 linear
 * sub-buckets), so any recorded value is known to within 1/128 (< 0.8 %)
 * from 1 µs to days, in constant memory and O(1) per record. Min, max, count
 * and sum are exact. Histograms merge (sum of counts) and serialize to a
 * sparse form small enough to pass between processes every second.
 *
 * Percentiles follow HDR's convention: the value at or below which `p` percent
 * of the recorded values fall, reported as the middle of its bucket and
 * clamped to [min, max].
 */

const SUB_BITS = 7;
const SUB = 1 << SUB_BITS; // 128 linear sub-buckets per power of two
/** Up to 2^45 µs (~1 year): anything larger is clamped into the last bucket. */
const MAX_SHIFT = 45 - SUB_BITS;
const BUCKETS = (MAX_SHIFT + 2) * SUB;

export interface LatencySummary {
  count: number;
  p50: number;
  p90: number;
  p95: number;
  p99: number;
  p999: number;
  max: number;
  min: number;
  mean: number;
}

/** Sparse wire form: [bucket index, count] pairs plus the exact extremes. */
export interface HistogramJson {
  counts: [number, number][];
  count: number;
  sumUs: number;
  minUs: number;
  maxUs: number;
}

function indexOf(us: number): number {
  if (us < SUB) return us;
  const e = Math.floor(Math.log2(us)); // >= SUB_BITS
  let shift = e - SUB_BITS;
  let sub = Math.floor(us / 2 ** shift); // in [SUB, 2*SUB)
  if (sub >= 2 * SUB) {
    // log2 rounding at an exact power of two
    shift += 1;
    sub = Math.floor(us / 2 ** shift);
  } else if (sub < SUB) {
    shift -= 1;
    sub = Math.floor(us / 2 ** shift);
  }
  if (shift > MAX_SHIFT) return BUCKETS - 1;
  return (shift + 1) * SUB + (sub - SUB);
}

/** [low, high) of a bucket, in µs. */
function boundsOf(index: number): [number, number] {
  if (index < SUB) return [index, index + 1];
  const shift = Math.floor(index / SUB) - 1;
  const sub = (index % SUB) + SUB;
  const w = 2 ** shift;
  return [sub * w, (sub + 1) * w];
}

export class Histogram {
  private counts = new Float64Array(BUCKETS);
  count = 0;
  private sumUs = 0;
  private minUs = Infinity;
  private maxUs = 0;

  /** Record a latency in milliseconds (fractions kept to the microsecond); negative values count as 0. */
  recordMs(ms: number): void {
    this.recordUs(Math.round(ms * 1000));
  }

  recordUs(us: number, times = 1): void {
    if (!Number.isFinite(us)) return;
    const v = us < 0 ? 0 : Math.round(us);
    this.counts[indexOf(v)]! += times;
    this.count += times;
    this.sumUs += v * times;
    if (v < this.minUs) this.minUs = v;
    if (v > this.maxUs) this.maxUs = v;
  }

  /** Value (ms) at percentile p (0..100); 0 when empty. */
  percentileMs(p: number): number {
    if (this.count === 0) return 0;
    const rank = Math.max(1, Math.ceil((Math.min(100, Math.max(0, p)) / 100) * this.count));
    let seen = 0;
    for (let i = 0; i < BUCKETS; i++) {
      const c = this.counts[i]!;
      if (c === 0) continue;
      seen += c;
      if (seen >= rank) {
        const [lo, hi] = boundsOf(i);
        const mid = hi - lo <= 1 ? lo : (lo + hi - 1) / 2;
        return Math.min(this.maxUs, Math.max(this.minUs, mid)) / 1000;
      }
    }
    return this.maxUs / 1000;
  }

  get maxMs(): number {
    return this.maxUs / 1000;
  }

  get minMs(): number {
    return this.count === 0 ? 0 : this.minUs / 1000;
  }

  get meanMs(): number {
    return this.count === 0 ? 0 : this.sumUs / this.count / 1000;
  }

  summary(): LatencySummary {
    const r = (v: number) => Math.round(v * 100) / 100;
    return {
      count: this.count,
      p50: r(this.percentileMs(50)),
      p90: r(this.percentileMs(90)),
      p95: r(this.percentileMs(95)),
      p99: r(this.percentileMs(99)),
      p999: r(this.percentileMs(99.9)),
      max: r(this.maxMs),
      min: r(this.minMs),
      mean: r(this.meanMs),
    };
  }

  merge(other: Histogram | HistogramJson): this {
    const o = other instanceof Histogram ? other.toJSON() : other;
    for (const [i, c] of o.counts) this.counts[i]! += c;
    this.count += o.count;
    this.sumUs += o.sumUs;
    if (o.count > 0) {
      this.minUs = Math.min(this.minUs, o.minUs);
      this.maxUs = Math.max(this.maxUs, o.maxUs);
    }
    return this;
  }

  reset(): void {
    this.counts.fill(0);
    this.count = 0;
    this.sumUs = 0;
    this.minUs = Infinity;
    this.maxUs = 0;
  }

  toJSON(): HistogramJson {
    const counts: [number, number][] = [];
    for (let i = 0; i < BUCKETS; i++) if (this.counts[i]! > 0) counts.push([i, this.counts[i]!]);
    return { counts, count: this.count, sumUs: this.sumUs, minUs: this.count ? this.minUs : 0, maxUs: this.maxUs };
  }

  static fromJSON(j: HistogramJson): Histogram {
    return new Histogram().merge(j);
  }
}
