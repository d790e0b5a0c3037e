import type { TimelinePoint } from './result.ts';

/** Seconds of timeline judged at once: one slow second must not pass or fail the fleet. */
const SETTLE_WINDOW = 5;
/** The peak scenario's own limit for a sustained step. */
const SETTLED_ACK_P99_MS = 1000;

/**
 * Whether a fleet has come through its power-on. Every simulated device
 * reports within its first 10 s, and a new device costs the platform far more
 * than its next record (registry admission, a snapshot lookup that misses,
 * a new actor), so a fleet of 100,000 takes minutes to be admitted; measuring
 * before then measures the power-on wave, not the fleet's rate.
 *
 * Settled: nearly every device has a live actor (devices starting in a dead
 * zone come back within a minute), the devices are acknowledged about as
 * fast as they record and within a second (p99: the rate alone passes while
 * the power-on backlog still drains), and the engine's consumer lag is a few
 * seconds of that rate at most, and no more than a handful of devices in
 * coverage are still behind (history from a dead zone the fleet started in,
 * or a record over a minute old, still on the device). Without that last
 * one, a 100,000-device run once settled at 89 s while 300 devices still
 * held replays the intake governor was pacing (replays wait unacknowledged,
 * so no slow ACK showed yet): the window then measured their drain, p99
 * device->ACK 29.6 s. Judged on the last SETTLE_WINDOW seconds.
 */
export function fleetSettled(points: readonly TimelinePoint[], devices: number): { settled: boolean; why: string } {
  const last = points.slice(-SETTLE_WINDOW);
  if (last.length < SETTLE_WINDOW) return { settled: false, why: 'starting' };
  const mean = (f: (p: TimelinePoint) => number) => last.reduce((s, p) => s + f(p), 0) / last.length;
  const actors = last.at(-1)!.actors;
  const acked = mean((p) => p.ackedPerS);
  const generated = mean((p) => p.generatedPerS);
  const lag = last.at(-1)!.lag;
  const slowestAck = Math.max(...last.map((p) => p.p99AckMs));
  const reasons: string[] = [];
  if (actors < 0.97 * devices) reasons.push(`${actors} of ${devices} devices have an actor`);
  if (acked < 0.9 * generated) reasons.push(`acked ${Math.round(acked)} of ${Math.round(generated)} recorded/s`);
  if (slowestAck > SETTLED_ACK_P99_MS) reasons.push(`p99 device->ACK ${Math.round(slowestAck)} ms`);
  if (lag > Math.max(2000, 3 * acked)) reasons.push(`consumer lag ${lag}`);
  const behind = Math.max(...last.map((p) => p.devicesBehind ?? 0));
  if (behind > Math.max(10, devices * 0.001)) reasons.push(`${behind} devices behind`);
  return { settled: reasons.length === 0, why: reasons.join(', ') };
}

/**
 * Waits at least `minS` and until the fleet is settled (fleetSettled), at most
 * `maxS`; says how long it took and whether it settled, for the result's notes.
 */
export async function settleFleet(
  timeline: readonly TimelinePoint[],
  devices: number,
  opts: { minS: number; maxS: number; log: (m: string) => void; what?: string },
): Promise<{ seconds: number; settled: boolean; note: string }> {
  const t0 = Date.now();
  const elapsed = () => (Date.now() - t0) / 1000;
  let lastLog = 0;
  let verdict = fleetSettled(timeline, devices);
  while (elapsed() < opts.maxS) {
    await new Promise((r) => setTimeout(r, 1000));
    verdict = fleetSettled(timeline, devices);
    if (elapsed() >= opts.minS && verdict.settled) break;
    if (elapsed() - lastLog >= 15 && !verdict.settled) {
      lastLog = elapsed();
      opts.log(`${opts.what ?? 'warming up'} (${Math.round(elapsed())} s): ${verdict.why}`);
    }
  }
  const seconds = Math.round(elapsed());
  const what = opts.what ?? 'warm-up';
  const note = verdict.settled
    ? `${what}: the fleet settled after ${seconds} s (every device reporting, acknowledged as fast as recorded, consumer lag small, no backlog left on the devices)`
    : `${what}: the fleet had not settled after ${seconds} s (${verdict.why}); the window measures it unsettled`;
  return { seconds, settled: verdict.settled, note };
}

/**
 * Whether a reconnect storm's backlog is still draining at a sample: more
 * than 1 % of the storm's devices (at least 10) are in coverage and behind
 * (history from before the storm still to send, or a record recorded over a
 * minute ago still on the device), or the engine's consumer lag is above
 * 1,000. Counting devices behind, not records held, is what tells the drain
 * from the calm after it: a live 10,200-device fleet always holds 10-16k
 * records between recording and the platform's answer (Teltonika units
 * filling a packet, GT06 locations waiting for the next heartbeat, devices
 * in dead zones), and a record count never fell below any trickle that
 * would still have caught the end of a drain.
 */
export function stormDraining(c: { devicesBehind: number }, lag: number, o: { stormDevices: number }): boolean {
  return c.devicesBehind > Math.max(10, o.stormDevices * 0.01) || lag > 1000;
}

/**
 * When the storm's backlog was gone: the first second after the last one
 * still draining, among those before the bench's final drain began. That
 * drain brings every device back and sends what each still holds, which
 * raises the consumer lag again; judged with it, a storm that had cleared
 * counted as never cleared.
 */
export function stormClearedAt<S extends { t: number; devicesBehind: number; lag: number }>(
  seconds: readonly S[],
  o: { stormAt: number; finalDrainAt: number; stormDevices: number },
): S | undefined {
  const before = seconds.filter((s) => s.t > o.stormAt && s.t <= o.finalDrainAt);
  let lastDraining = -1;
  before.forEach((s, i) => {
    if (stormDraining(s, s.lag, o)) lastDraining = i;
  });
  return before[lastDraining + 1];
}
