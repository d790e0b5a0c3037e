import type { DriverActivity } from '../../engine/model/telemetry-record.ts';
import { activityAfter, advanceSample } from './fold.ts';
import {
  ACT_AVAILABLE,
  ACT_DRIVING,
  ACT_REST,
  ACT_UNKNOWN,
  ACT_WORKING,
  decodeFoldState,
  encodeFoldState,
  initialFoldState,
  type ActCode,
  type EncodedFoldState,
  type FoldState,
} from './fold-state.ts';
import { DAY_S, HOUR_S } from './limits.ts';
import { MAX_TIME_MS, msToS, sToMs } from './time.ts';

/**
 * A driver's activity log: samples in, periods out, bounded memory.
 *
 * A sample `(time, activity)` means "from this time on the driver does
 * `activity`, until the next sample". Samples may arrive out of order (late
 * records from store-and-forward, a driver's old vehicle uploading after the
 * new one): the log keeps them sorted, and the periods and every counter come
 * out exactly as if they had arrived in order, for any sample not older than
 * the reorder window (below).
 *
 * Layout (memory per driver, see README):
 * - raw samples newer than the reorder window: two typed arrays, 5 bytes a
 *   sample (uint32 seconds + one code byte), sorted;
 * - everything older is folded into `seal`, the fixed-size state of the rules
 *   at the first raw sample (fold-state.ts). Nothing a rule needs is lost: the
 *   fold state carries it (the compensation debts of the last three weeks, the
 *   previous week's driving, the day's driving, ...);
 * - `head`: the same state folded up to the newest sample, kept up to date on
 *   in-order appends (O(1)) and rebuilt from `seal` after an out-of-order
 *   insert (O(samples in the window)).
 *
 * Mutable: one instance belongs to one actor. No clock, no I/O.
 */

export type SampleActivity = DriverActivity | 'unknown';

export interface ActivityPeriod {
  /** Epoch ms, inclusive. */
  start: number;
  /** Epoch ms, exclusive. */
  end: number;
  activity: DriverActivity;
}

export interface DerivedPeriod {
  start: number;
  end: number;
  activity: SampleActivity;
}

export interface ActivityLogOptions {
  /** Attached to infringements. */
  driverId?: string;
  /**
   * Longest time a driving/working/available sample stands for when no other
   * sample follows it; past it the activity is unknown (counted as rest).
   * Rest samples and explicit periods are not cut. Default 1 h. Set it a bit
   * above the device's longest reporting interval with the ignition on, or to
   * Infinity for sources that only report changes (tachograph events).
   */
  maxGapMs?: number;
  /**
   * Samples newer than (newest sample - this) are kept raw, so a late sample in
   * that window lands exactly. Older ones are folded. Default 24 h.
   */
  reorderWindowMs?: number;
  /**
   * Cap on raw samples (the memory bound for chatty sources: 5 bytes each).
   * When reached, the oldest eighth is folded, so a late sample lands exactly
   * only if it is also among the newest ~7/8 of this many. Default 512.
   */
  maxSamples?: number;
  /** How long closed infringements stay in the output after they occurred. Default 14 days. */
  infringementRetentionMs?: number;
}

export interface ResolvedActivityLogOptions {
  driverId: string | undefined;
  maxGapMs: number;
  reorderWindowMs: number;
  maxSamples: number;
  infringementRetentionMs: number;
}

export const ACTIVITY_LOG_DEFAULTS = {
  maxGapMs: 1 * HOUR_S * 1000,
  reorderWindowMs: 1 * DAY_S * 1000,
  maxSamples: 512,
  infringementRetentionMs: 14 * DAY_S * 1000,
} as const;

/**
 * - added: a new sample
 * - merged: another sample already had this second; the higher-priority activity kept
 * - duplicate: nothing changed
 * - dropped-late: older than the folded past (outside the reorder window)
 * - invalid: bad time or activity
 */
export type AddResult = 'added' | 'merged' | 'duplicate' | 'dropped-late' | 'invalid';

const CODE_OF: Readonly<Record<SampleActivity, ActCode>> = {
  unknown: ACT_UNKNOWN,
  rest: ACT_REST,
  available: ACT_AVAILABLE,
  working: ACT_WORKING,
  driving: ACT_DRIVING,
};
const NAME_OF: readonly SampleActivity[] = ['unknown', 'rest', 'available', 'working', 'driving'];

export function activityName(code: ActCode): SampleActivity {
  return NAME_OF[code] ?? 'unknown';
}

/** Samples folded at once when the window moves (amortises the fold). */
const SEAL_BATCH = 16;
const INITIAL_CAPACITY = 8;

export interface ActivityLogSnapshot {
  v: 1;
  options: ResolvedActivityLogOptions;
  times: number[];
  codes: number[];
  seal: EncodedFoldState;
  sealed: boolean;
  droppedLate: number;
}

export class ActivityLog {
  readonly options: ResolvedActivityLogOptions;
  private readonly maxGapS: number;
  private readonly windowS: number;
  private t: Uint32Array = new Uint32Array(INITIAL_CAPACITY);
  private c: Uint8Array = new Uint8Array(INITIAL_CAPACITY);
  private lo = 0;
  private hi = 0;
  private seal: FoldState = initialFoldState();
  private sealed = false;
  private head: FoldState | null = initialFoldState();
  private dropped = 0;

  constructor(options: ActivityLogOptions = {}) {
    this.options = {
      driverId: options.driverId,
      maxGapMs: options.maxGapMs ?? ACTIVITY_LOG_DEFAULTS.maxGapMs,
      reorderWindowMs: options.reorderWindowMs ?? ACTIVITY_LOG_DEFAULTS.reorderWindowMs,
      maxSamples: Math.max(2, Math.floor(options.maxSamples ?? ACTIVITY_LOG_DEFAULTS.maxSamples)),
      infringementRetentionMs: options.infringementRetentionMs ?? ACTIVITY_LOG_DEFAULTS.infringementRetentionMs,
    };
    if (!(this.options.maxGapMs >= 0)) throw new RangeError('maxGapMs must be >= 0');
    if (!(this.options.reorderWindowMs >= 0)) throw new RangeError('reorderWindowMs must be >= 0');
    this.maxGapS = this.options.maxGapMs === Infinity ? Infinity : msToS(this.options.maxGapMs);
    this.windowS = this.options.reorderWindowMs === Infinity ? Infinity : msToS(this.options.reorderWindowMs);
  }

  /** Raw samples held. */
  get size(): number {
    return this.hi - this.lo;
  }

  /** Samples refused because they were older than the folded past. */
  get droppedLate(): number {
    return this.dropped;
  }

  /** Newest sample time (ms), or null. */
  get newest(): number | null {
    return this.hi > this.lo ? sToMs(this.t[this.hi - 1]!) : null;
  }

  /** Start of what can still change (ms): samples older than this are dropped. -Infinity before anything was folded. */
  get foldedUntil(): number {
    return this.sealed ? sToMs(this.t[this.lo]!) : -Infinity;
  }

  /** Approximate bytes held by this log (typed arrays + states), for the memory budget. */
  get approxBytes(): number {
    const state = (st: FoldState) => 400 + st.closed.length * 56 + st.debts.length * 40;
    return 200 + this.t.byteLength + this.c.byteLength + state(this.seal) + (this.head ? state(this.head) : 0);
  }

  /** A sample: from `timeMs` on the driver does `activity`, until the next sample. */
  add(timeMs: number, activity: SampleActivity): AddResult {
    return this.insert(timeMs, activity, false);
  }

  /**
   * An explicit period (a tachograph activity with its duration): the activity
   * holds over [start, end) whatever the gap rule says (unless `held: false`,
   * for periods reconstructed from two records, which then obey maxGapMs like
   * a sample), and nothing is known from `end` until the next sample or period.
   */
  addPeriod(period: ActivityPeriod, options: { held?: boolean } = {}): AddResult {
    if (!(period.end > period.start)) return 'invalid';
    const r = this.insert(period.start, period.activity, options.held ?? true);
    if (r === 'invalid' || r === 'dropped-late') return r;
    this.insert(period.end, 'unknown', false);
    return r;
  }

  private insert(timeMs: number, activity: SampleActivity, held: boolean): AddResult {
    if (typeof timeMs !== 'number' || !(timeMs >= 0) || !(timeMs < MAX_TIME_MS)) return 'invalid';
    const act = CODE_OF[activity];
    if (act === undefined) return 'invalid';
    const ts = msToS(timeMs);
    const code = (act << 1) | (held ? 1 : 0);
    const n = this.hi - this.lo;
    if (n === 0) {
      if (this.sealed) {
        // Cannot happen (sealing keeps the anchor), kept for safety.
        this.dropped += 1;
        return 'dropped-late';
      }
      this.push(ts, code);
      return 'added';
    }
    const last = this.t[this.hi - 1]!;
    if (ts > last) {
      if (this.head) advanceSample(this.head, last, this.c[this.hi - 1]!, ts, this.maxGapS);
      this.push(ts, code);
      this.maybeSeal();
      return 'added';
    }
    const idx = this.lowerBound(ts);
    if (this.t[idx] === ts) {
      const old = this.c[idx]!;
      // max(code) is commutative: the same set of samples gives the same log in any order.
      if (code <= old) return 'duplicate';
      this.c[idx] = code;
      if (idx !== this.hi - 1) this.head = null;
      return 'merged';
    }
    if (idx === this.lo && this.sealed) {
      this.dropped += 1;
      return 'dropped-late';
    }
    this.insertAt(idx, ts, code);
    this.head = null;
    this.maybeSeal();
    return 'added';
  }

  /** First index in [lo, hi) with t >= ts (hi if none). */
  private lowerBound(ts: number): number {
    let l = this.lo;
    let h = this.hi;
    while (l < h) {
      const m = (l + h) >>> 1;
      if (this.t[m]! < ts) l = m + 1;
      else h = m;
    }
    return l;
  }

  private ensureRoom(): void {
    if (this.hi < this.t.length) return;
    const n = this.hi - this.lo;
    // Never grow past the cap's power of two: sealing keeps n below maxSamples, so there is room at the front.
    const atLimit = this.t.length >= this.options.maxSamples;
    if (this.lo > 0 && (atLimit || this.lo >= this.t.length / 8 || n < this.t.length * 0.75)) {
      this.t.copyWithin(0, this.lo, this.hi);
      this.c.copyWithin(0, this.lo, this.hi);
    } else {
      const cap = Math.max(INITIAL_CAPACITY, this.t.length * 2);
      const t = new Uint32Array(cap);
      const c = new Uint8Array(cap);
      t.set(this.t.subarray(this.lo, this.hi));
      c.set(this.c.subarray(this.lo, this.hi));
      this.t = t;
      this.c = c;
    }
    this.lo = 0;
    this.hi = n;
  }

  private push(ts: number, code: number): void {
    this.ensureRoom();
    this.t[this.hi] = ts;
    this.c[this.hi] = code;
    this.hi += 1;
  }

  private insertAt(idx: number, ts: number, code: number): void {
    const offset = idx - this.lo;
    this.ensureRoom();
    const at = this.lo + offset;
    this.t.copyWithin(at + 1, at, this.hi);
    this.c.copyWithin(at + 1, at, this.hi);
    this.t[at] = ts;
    this.c[at] = code;
    this.hi += 1;
  }

  /**
   * Fold samples that left the reorder window (or exceed the cap) into `seal`.
   * The last of them stays as the anchor: its period is not folded yet, and a
   * late sample just after it still lands exactly.
   */
  private maybeSeal(): void {
    const n = this.hi - this.lo;
    const newest = this.t[this.hi - 1]!;
    let j = this.lo;
    const boundary = newest - this.windowS;
    if (this.t[this.lo]! <= boundary) {
      // last index with t <= boundary
      let l = this.lo;
      let h = this.hi;
      while (l < h) {
        const m = (l + h) >>> 1;
        if (this.t[m]! <= boundary) l = m + 1;
        else h = m;
      }
      j = l - 1;
    }
    const cap = this.options.maxSamples;
    const full = n >= cap;
    if (full) j = Math.max(j, this.hi - (cap - Math.floor(cap / 8)));
    if (j - this.lo < SEAL_BATCH && !full) return;
    for (let i = this.lo; i < j; i++) advanceSample(this.seal, this.t[i]!, this.c[i]!, this.t[i + 1]!, this.maxGapS);
    this.lo = j;
    this.sealed = true;
    if (this.hi - this.lo < this.t.length / 4 && this.t.length > INITIAL_CAPACITY * 4) this.shrink();
  }

  private shrink(): void {
    const n = this.hi - this.lo;
    let cap = INITIAL_CAPACITY;
    while (cap < n * 2) cap *= 2;
    const t = new Uint32Array(cap);
    const c = new Uint8Array(cap);
    t.set(this.t.subarray(this.lo, this.hi));
    c.set(this.c.subarray(this.lo, this.hi));
    this.t = t;
    this.c = c;
    this.lo = 0;
    this.hi = n;
  }

  private ensureHead(): FoldState {
    if (this.head) return this.head;
    const st: FoldState = { ...this.seal };
    for (let i = this.lo; i + 1 < this.hi; i++) advanceSample(st, this.t[i]!, this.c[i]!, this.t[i + 1]!, this.maxGapS);
    this.head = st;
    return st;
  }

  /**
   * The rules' state at `nowMs`: everything folded, including the period the
   * newest sample opened, up to now. A `nowMs` before the newest sample is
   * taken as the newest sample's time. Does not change the log.
   */
  stateAt(nowMs: number): { state: FoldState; nowS: number; activity: SampleActivity; empty: boolean } {
    const state: FoldState = { ...this.ensureHead() };
    let nowS = msToS(nowMs);
    if (this.hi === this.lo) return { state, nowS, activity: 'unknown', empty: !this.sealed };
    const last = this.t[this.hi - 1]!;
    const code = this.c[this.hi - 1]!;
    if (!(nowS > last)) nowS = last;
    else advanceSample(state, last, code, nowS, this.maxGapS);
    return { state, nowS, activity: activityName(activityAfter(code, nowS - last, this.maxGapS)), empty: false };
  }

  /** The raw samples held (oldest first), for inspection and tests. */
  samples(): Array<{ time: number; activity: SampleActivity; held: boolean }> {
    const out = [];
    for (let i = this.lo; i < this.hi; i++) {
      const code = this.c[i]!;
      out.push({ time: sToMs(this.t[i]!), activity: activityName((code >> 1) as ActCode), held: (code & 1) === 1 });
    }
    return out;
  }

  /** The periods the held samples stand for, merged, up to `untilMs` (default: the newest sample). */
  periods(untilMs?: number): DerivedPeriod[] {
    const out: DerivedPeriod[] = [];
    const emit = (s: number, e: number, act: ActCode) => {
      if (e <= s) return;
      const activity = activityName(act);
      const prev = out[out.length - 1];
      if (prev && prev.activity === activity && prev.end === sToMs(s)) prev.end = sToMs(e);
      else out.push({ start: sToMs(s), end: sToMs(e), activity });
    };
    const until = untilMs === undefined ? -Infinity : msToS(untilMs);
    for (let i = this.lo; i < this.hi; i++) {
      const ts = this.t[i]!;
      const next = i + 1 < this.hi ? this.t[i + 1]! : Math.max(ts, until);
      const code = this.c[i]!;
      const act = (code >> 1) as ActCode;
      if (act > ACT_REST && (code & 1) === 0 && next - ts > this.maxGapS) {
        emit(ts, ts + this.maxGapS, act);
        emit(ts + this.maxGapS, next, ACT_UNKNOWN);
      } else emit(ts, next, act);
    }
    return out;
  }

  /** A JSON-safe snapshot (for the actor's snapshot in NATS KV). */
  toSnapshot(): ActivityLogSnapshot {
    return {
      v: 1,
      options: { ...this.options },
      times: Array.from(this.t.subarray(this.lo, this.hi)),
      codes: Array.from(this.c.subarray(this.lo, this.hi)),
      seal: encodeFoldState(this.seal),
      sealed: this.sealed,
      droppedLate: this.dropped,
    };
  }

  static fromSnapshot(snap: ActivityLogSnapshot): ActivityLog {
    if (snap.v !== 1) throw new TypeError(`unknown driving-time snapshot version ${String(snap.v)}`);
    const o = snap.options;
    const opts: ActivityLogOptions = {
      maxGapMs: o.maxGapMs ?? Infinity,
      reorderWindowMs: o.reorderWindowMs ?? Infinity,
      maxSamples: o.maxSamples,
      infringementRetentionMs: o.infringementRetentionMs ?? Infinity,
    };
    if (o.driverId !== undefined) opts.driverId = o.driverId;
    const log = new ActivityLog(opts);
    const n = snap.times.length;
    let cap = INITIAL_CAPACITY;
    while (cap < n) cap *= 2;
    log.t = new Uint32Array(cap);
    log.c = new Uint8Array(cap);
    log.t.set(snap.times);
    log.c.set(snap.codes);
    log.hi = n;
    log.seal = decodeFoldState(snap.seal);
    log.sealed = snap.sealed;
    log.head = null;
    log.dropped = snap.droppedLate;
    return log;
  }
}
