import { MAX_KEPT_INFRINGEMENTS, mostRecent, type InfringementRecord, type InfringementRule } from './infringements.ts';

/**
 * The state of the rules after folding a driver's activity up to `pos`.
 *
 * Every rule is a left fold over the activity periods in time order, and this
 * one flat object is everything the fold needs to go on: it has a fixed size
 * (plus two short lists), so periods older than the reorder window are folded
 * into it and forgotten without losing anything a rule needs.
 *
 * All times are epoch seconds. NaN means "none"; -Infinity is the start of the
 * unknown past (treated as rest, see README).
 *
 * Copy semantics: `{ ...state }` is a full copy, because the two arrays are
 * never mutated in place (copy-on-write).
 */

/** Activity codes, ordered by priority (a higher code wins when two samples share a second). */
export const ACT_UNKNOWN = 0;
export const ACT_REST = 1;
export const ACT_AVAILABLE = 2;
export const ACT_WORKING = 3;
export const ACT_DRIVING = 4;
export type ActCode = 0 | 1 | 2 | 3 | 4;

/** A weekly-rest reduction waiting for compensation. */
export interface Debt {
  readonly amountS: number;
  /** End of the third week following the week the reduced rest started in. */
  readonly deadlineS: number;
}

export interface FoldState {
  /** How far the fold has gone. */
  pos: number;
  /** Activity of the last period folded. */
  act: ActCode;
  /** Start of the rest (rest or unknown) going on at `pos`, NaN when not resting. */
  restStart: number;

  // --- continuous driving (art. 7)
  /** Driving since the last qualifying break. */
  contS: number;
  /** A break of >= 15 min was taken since the last qualifying break (first part of a split break). */
  part15: boolean;
  /** Time the open continuous-driving infringement started, NaN if none. */
  contInfrAt: number;

  // --- the day: from the end of a daily/weekly rest to the start of the next (art. 4(k), 6.1, 8.2)
  /** End of the previous daily or weekly rest, NaN until the first rest is seen. */
  dayStart: number;
  dayDrivingS: number;
  /** This day went over 9 h and used one of the week's two extensions. */
  dayExtended: boolean;
  /** A rest of >= 3 h was taken this day (first part of a split daily rest). */
  splitPart: boolean;
  dayDrvInfrAt: number;
  dayRestInfrAt: number;
  /** Week (Monday 00:00) the extension count belongs to: the week the day started in. */
  extWeek: number;
  extUsed: number;
  /** Reduced daily rests since the last weekly rest (art. 8.4). */
  reducedDaily: number;

  // --- weekly rest (art. 8.6)
  /** End of the previous weekly rest, NaN until the first one. */
  weeklyRestEnd: number;
  lastWeeklyReduced: boolean;
  weekRestInfrAt: number;
  debts: readonly Debt[];

  // --- calendar weeks (art. 6.2, 6.3)
  /** Monday 00:00 of the week `pos` is in (NaN before any period). */
  weekStart: number;
  weekS: number;
  /** Driving in the week before `weekStart` (0 if that week was not seen). */
  prevWeekS: number;
  weekDrvInfrAt: number;
  fortInfrAt: number;

  /** Infringements that can no longer change, most recent kept. */
  closed: readonly InfringementRecord[];
}

export function initialFoldState(): FoldState {
  return {
    pos: -Infinity,
    act: ACT_UNKNOWN,
    // Before the first sample the driver is taken to have been resting (unknown = rest).
    restStart: -Infinity,
    contS: 0,
    part15: false,
    contInfrAt: NaN,
    dayStart: NaN,
    dayDrivingS: 0,
    dayExtended: false,
    splitPart: false,
    dayDrvInfrAt: NaN,
    dayRestInfrAt: NaN,
    extWeek: NaN,
    extUsed: 0,
    reducedDaily: 0,
    weeklyRestEnd: NaN,
    lastWeeklyReduced: false,
    weekRestInfrAt: NaN,
    debts: [],
    weekStart: NaN,
    weekS: 0,
    prevWeekS: 0,
    weekDrvInfrAt: NaN,
    fortInfrAt: NaN,
    closed: [],
  };
}

export function isResting(st: FoldState): boolean {
  return !Number.isNaN(st.restStart);
}

export function isAnchored(st: FoldState): boolean {
  return !Number.isNaN(st.dayStart);
}

/** Record a closed infringement (copy-on-write; keeps the most recent ones). */
export function pushClosed(st: FoldState, rule: InfringementRule, timeS: number, overByS: number): void {
  const next = st.closed.length >= MAX_KEPT_INFRINGEMENTS + 8 ? mostRecent(st.closed, MAX_KEPT_INFRINGEMENTS) : st.closed.slice();
  next.push({ rule, timeS, overByS });
  st.closed = next;
}

/** JSON-safe form of a fold state (NaN and -Infinity are not JSON). */
export type EncodedFoldState = Record<string, unknown>;

function encodeNumber(x: number): number | string | null {
  if (Number.isNaN(x)) return null;
  if (x === -Infinity) return '-Infinity';
  return x;
}

function decodeNumber(x: unknown): number {
  if (x === null) return NaN;
  if (x === '-Infinity') return -Infinity;
  if (typeof x === 'number') return x;
  throw new TypeError(`bad number in driving-time snapshot: ${String(x)}`);
}

export function encodeFoldState(st: FoldState): EncodedFoldState {
  const out: EncodedFoldState = {};
  for (const [k, v] of Object.entries(st)) {
    out[k] = typeof v === 'number' ? encodeNumber(v) : v;
  }
  return out;
}

export function decodeFoldState(enc: EncodedFoldState): FoldState {
  const base = initialFoldState() as unknown as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(base)) {
    const v = enc[k];
    const d = base[k];
    if (typeof d === 'number') out[k] = decodeNumber(v);
    else if (typeof d === 'boolean') out[k] = v === true;
    else out[k] = Array.isArray(v) ? v.map((e) => ({ ...(e as object) })) : [];
  }
  return out as unknown as FoldState;
}
