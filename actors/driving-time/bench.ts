/**
 * Cost of the driving-time counters on one core, for a typical driver day:
 * a tracker sampling every 30 s with the ignition on (12h30 of duty: 9 h of
 * driving in stints with breaks, 2 h of other work), every 15 min with it off;
 * Monday to Friday, weekends off.
 *
 *   npx tsx actors/driving-time/bench.ts            (cost)
 *   node --expose-gc --import tsx actors/driving-time/bench.ts   (cost + heap per driver)
 */
import type { DriverActivity } from '../../engine/model/telemetry-record.ts';
import { ActivityLog } from './activity-log.ts';
import { evaluate } from './rules.ts';

const SEC = 1000;
const MIN = 60 * SEC;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const MONDAY = Date.UTC(2024, 0, 1);

type Sample = [number, DriverActivity];

/** One day's samples, from 06:00. */
function driverDay(day0: number): Sample[] {
  const out: Sample[] = [];
  let t = day0 + 6 * HOUR;
  const block = (ms: number, activity: DriverActivity, every: number) => {
    const end = t + ms;
    for (; t < end; t += every) out.push([t, activity]);
  };
  const on = 30 * SEC;
  const off = 15 * MIN;
  block(30 * MIN, 'working', on);
  block(4 * HOUR, 'driving', on);
  block(45 * MIN, 'rest', off);
  block(3 * HOUR, 'driving', on);
  block(30 * MIN, 'working', on);
  block(45 * MIN, 'rest', off);
  block(2 * HOUR, 'driving', on);
  block(HOUR, 'working', on); // 06:00 -> 18:30, then ignition off
  block(day0 + DAY + 6 * HOUR - t, 'rest', off);
  return out;
}

/** Monday to Friday at work, weekends off (ignition off: a sample every 15 min). */
function days(n: number): Sample[] {
  const out: Sample[] = [];
  for (let d = 0; d < n; d++) {
    const day0 = MONDAY + d * DAY;
    if (d % 7 < 5) out.push(...driverDay(day0));
    else for (let t = day0 + 6 * HOUR; t < day0 + DAY + 6 * HOUR; t += 15 * MIN) out.push([t, 'rest']);
  }
  return out;
}

function time(label: string, samples: number, fn: () => void): number {
  fn(); // warm-up
  const t0 = process.hrtime.bigint();
  fn();
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  const rate = samples / s;
  console.log(`${label.padEnd(58)} ${Math.round(rate).toLocaleString('en').padStart(12)} /s  (${((s / samples) * 1e6).toFixed(2)} µs each)`);
  return rate;
}

// 26 days: four weeks ending on a Friday evening (a working day, not a weekend)
const DAYS = 26;
const samples = days(DAYS);
console.log(`typical driver day: ${driverDay(MONDAY).length} samples; ${DAYS} days = ${samples.length} samples\n`);

time('add, in order', samples.length, () => {
  const log = new ActivityLog();
  for (const [t, a] of samples) log.add(t, a);
});

time('add + evaluate after every sample, in order', samples.length, () => {
  const log = new ActivityLog();
  for (const [t, a] of samples) {
    log.add(t, a);
    evaluate(log, t);
  }
});

// 5 % of samples arrive up to 1 h late (store-and-forward)
const late = samples
  .map(([t, a], i) => ({ t, a, at: t + (((i * 2654435761) >>> 0) % 100 < 5 ? (((i * 40503) >>> 0) % 60) * MIN : 0) }))
  .sort((x, y) => x.at - y.at);
time('add, 5 % up to 1 h late (fold deferred to the next evaluate)', samples.length, () => {
  const log = new ActivityLog();
  for (const s of late) log.add(s.t, s.a);
});
time('add + evaluate after every sample, 5 % up to 1 h late', samples.length, () => {
  const log = new ActivityLog();
  for (const s of late) {
    log.add(s.t, s.a);
    evaluate(log, s.at);
  }
});

{
  const log = new ActivityLog();
  for (const [t, a] of samples) log.add(t, a);
  const now = samples[samples.length - 1]![0] + MIN;
  const n = 200_000;
  time('evaluate alone (counters + infringements)', n, () => {
    for (let i = 0; i < n; i++) evaluate(log, now + i * SEC);
  });
  const { infringements } = evaluate(log, now);
  console.log(`after ${DAYS} days: ${log.size} raw samples held, approxBytes ${log.approxBytes}, ${infringements.length} infringements\n`);
}

{
  // a driver who works every day (no weekly rest): infringements to describe on every evaluation
  const bad = new ActivityLog();
  for (let d = 0; d < DAYS; d++) for (const [t, a] of driverDay(MONDAY + d * DAY)) bad.add(t, a);
  const now = MONDAY + DAYS * DAY;
  const n = 100_000;
  time(`evaluate alone, non-compliant driver (${evaluate(bad, now).infringements.length} infringements)`, n, () => {
    for (let i = 0; i < n; i++) evaluate(bad, now + i * SEC);
  });
}

const gc = (globalThis as { gc?: () => void }).gc;
if (gc) {
  // typed arrays live outside the JS heap: count heapUsed + arrayBuffers
  const used = () => {
    gc();
    const m = process.memoryUsage();
    return m.heapUsed + m.arrayBuffers;
  };
  const keep: ActivityLog[][] = [];
  const measure = (label: string, input: Sample[], count: number, options: ConstructorParameters<typeof ActivityLog>[0] = {}) => {
    const before = used();
    const logs: ActivityLog[] = [];
    for (let i = 0; i < count; i++) {
      const log = new ActivityLog({ ...options, driverId: `D${i}` });
      for (const [t, a] of input) log.add(t, a);
      evaluate(log, input[input.length - 1]![0]);
      logs.push(log);
    }
    keep.push(logs);
    const bytes = (used() - before) / count;
    console.log(`${label.padEnd(58)} ${Math.round(bytes).toLocaleString('en').padStart(8)} B per driver (${count} drivers, ${logs[0]!.size} raw samples each)`);
  };
  console.log('');
  measure('memory after 1 day, 30 s sampling', days(1), 2000);
  measure(`memory after ${DAYS} days, 30 s sampling`, samples, 1000);
  measure(`memory after ${DAYS} days, 30 s sampling, maxSamples 256`, samples, 1000, { maxSamples: 256 });
  measure(`memory after ${DAYS} days, 30 s sampling, maxSamples 1024`, samples, 1000, { maxSamples: 1024 });
  const changes = samples.filter((_, i, all) => i === 0 || all[i - 1]![1] !== all[i]![1]);
  measure(`memory after ${DAYS} days, activity changes only`, changes, 2000, { maxGapMs: Infinity });
} else {
  console.log('\n(run with node --expose-gc --import tsx for memory per driver)');
}
