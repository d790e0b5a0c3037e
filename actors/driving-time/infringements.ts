import {
  BREAK_S,
  CONTINUOUS_DRIVING_MAX_S,
  DAILY_DRIVING_EXTENDED_MAX_S,
  DAILY_DRIVING_MAX_S,
  DAILY_REST_REGULAR_S,
  FORTNIGHT_DRIVING_MAX_S,
  WEEKLY_DRIVING_MAX_S,
  WEEKLY_REST_REGULAR_S,
} from './limits.ts';
import { formatDuration, sToMs } from './time.ts';

/**
 * Infringements are values. Their identity is (rule, time): the same log gives
 * the same pairs whatever the order the samples arrived in, so the caller can
 * emit each once under a deterministic id (e.g. derivedEventId(tenant, device,
 * 'driver.infringement', `${driverId}:${infringementKey(i)}`)).
 */

export const INFRINGEMENT_RULES = [
  'continuous-driving',
  'daily-driving',
  'daily-driving-extension',
  'weekly-driving',
  'fortnight-driving',
  'daily-rest',
  'reduced-daily-rests',
  'weekly-rest',
  'weekly-rest-reduced',
  'weekly-rest-compensation',
] as const;
export type InfringementRule = (typeof INFRINGEMENT_RULES)[number];

/** The article of Regulation 561/2006 each rule implements. */
export const RULE_ARTICLE: Readonly<Record<InfringementRule, string>> = {
  'continuous-driving': 'art. 7',
  'daily-driving': 'art. 6.1',
  'daily-driving-extension': 'art. 6.1',
  'weekly-driving': 'art. 6.2',
  'fortnight-driving': 'art. 6.3',
  'daily-rest': 'art. 8.2',
  'reduced-daily-rests': 'art. 8.4',
  'weekly-rest': 'art. 8.6',
  'weekly-rest-reduced': 'art. 8.6',
  'weekly-rest-compensation': 'art. 8.6',
};

export interface Infringement {
  rule: InfringementRule;
  /** Epoch ms (UTC) at which the infringement occurred; with `rule`, its identity. */
  time: number;
  /** By how much the limit was exceeded, in seconds (see `detail` for what is measured). */
  overByS: number;
  driverId?: string;
  article: string;
  detail: string;
  /**
   * True while the infringement can still grow (driving goes on, the rest has
   * not been taken yet); `overByS` is then the amount so far. Its key does not change.
   */
  ongoing: boolean;
}

/** Internal, immutable, seconds. */
export interface InfringementRecord {
  readonly rule: InfringementRule;
  readonly timeS: number;
  readonly overByS: number;
}

/** Closed infringements kept in a driver's state (the most recent ones). */
export const MAX_KEPT_INFRINGEMENTS = 32;

export function infringementKey(i: { rule: string; time: number }): string {
  return `${i.rule}@${i.time}`;
}

/** Infringements of `after` whose key is not in `before`: what to emit after adding samples. */
export function newInfringements(before: readonly Infringement[], after: readonly Infringement[]): Infringement[] {
  const seen = new Set(before.map(infringementKey));
  return after.filter((i) => !seen.has(infringementKey(i)));
}

export interface InfringementDiff {
  /** New keys: emit these. */
  added: Infringement[];
  /** Keys that disappeared because late samples changed history (or retention dropped them). */
  removed: Infringement[];
  /** Same key, different amount or state (an ongoing one grew or closed). */
  updated: Infringement[];
}

export function diffInfringements(before: readonly Infringement[], after: readonly Infringement[]): InfringementDiff {
  const b = new Map(before.map((i) => [infringementKey(i), i] as const));
  const a = new Map(after.map((i) => [infringementKey(i), i] as const));
  const added: Infringement[] = [];
  const updated: Infringement[] = [];
  for (const [k, i] of a) {
    const old = b.get(k);
    if (!old) added.push(i);
    else if (old.overByS !== i.overByS || old.ongoing !== i.ongoing) updated.push(i);
  }
  const removed = before.filter((i) => !a.has(infringementKey(i)));
  return { added, removed, updated };
}

/** Total order used for output and for keeping the most recent: time, then rule. */
export function compareRecords(x: InfringementRecord, y: InfringementRecord): number {
  return x.timeS - y.timeS || (x.rule < y.rule ? -1 : x.rule > y.rule ? 1 : 0);
}

/** The `n` most recent records, oldest first. */
export function mostRecent(records: readonly InfringementRecord[], n: number): InfringementRecord[] {
  let inOrder = true;
  for (let i = 1; i < records.length && inOrder; i++) inOrder = compareRecords(records[i - 1]!, records[i]!) <= 0;
  const sorted = inOrder ? records.slice() : [...records].sort(compareRecords);
  return sorted.length > n ? sorted.slice(sorted.length - n) : sorted;
}

export function describe(rule: InfringementRule, overByS: number): string {
  const over = formatDuration(overByS);
  switch (rule) {
    case 'continuous-driving':
      return `${formatDuration(CONTINUOUS_DRIVING_MAX_S + overByS)} of driving without a ${formatDuration(BREAK_S)} break (limit 4h30m), over by ${over}`;
    case 'daily-driving':
      return `daily driving ${formatDuration(DAILY_DRIVING_EXTENDED_MAX_S + overByS)} on an extended day (limit 10h), over by ${over}`;
    case 'daily-driving-extension':
      return `daily driving ${formatDuration(DAILY_DRIVING_MAX_S + overByS)} over 9h with both 10h extensions of the week used, over by ${over}`;
    case 'weekly-driving':
      return `weekly driving ${formatDuration(WEEKLY_DRIVING_MAX_S + overByS)} (limit 56h), over by ${over}`;
    case 'fortnight-driving':
      return `driving in two consecutive weeks ${formatDuration(FORTNIGHT_DRIVING_MAX_S + overByS)} (limit 90h), over by ${over}`;
    case 'daily-rest':
      return `daily rest started ${over} after its latest start (9h inside 24h from the end of the previous rest)`;
    case 'reduced-daily-rests':
      return `a fourth reduced daily rest (${formatDuration(DAILY_REST_REGULAR_S - overByS)}) since the last weekly rest, ${over} short of 11h`;
    case 'weekly-rest':
      return `weekly rest started ${over} after the end of six 24-hour periods from the previous weekly rest`;
    case 'weekly-rest-reduced':
      return `second reduced weekly rest in a row (${formatDuration(WEEKLY_REST_REGULAR_S - overByS)}), ${over} short of 45h`;
    case 'weekly-rest-compensation':
      return `reduction of ${over} of a weekly rest not compensated before the end of the third following week`;
  }
}

export function toInfringement(rec: InfringementRecord, ongoing: boolean, driverId?: string): Infringement {
  const out: Infringement = {
    rule: rec.rule,
    time: sToMs(rec.timeS),
    overByS: rec.overByS,
    article: RULE_ARTICLE[rec.rule],
    detail: describe(rec.rule, rec.overByS),
    ongoing,
  };
  if (driverId !== undefined) out.driverId = driverId;
  return out;
}
