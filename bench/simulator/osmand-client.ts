import http from 'node:http';
import type { SimDevice, SimRecord } from './device.ts';
import { markAcked, markSent, retryDelayMs, type ClientContext, type ProtocolClient } from './client.ts';
import type { HttpAnswer, HttpPool } from './http-pool.ts';
import type { VehicleState } from './vehicle.ts';

/**
 * OsmAnd / Traccar Client over HTTP with keep-alive. `reportOsmand` is the
 * one-shot report the FLEET_DEMO fleet uses; `OsmandClient` is the bench's
 * store-and-forward device over a shared keep-alive pool (http-pool.ts): one
 * request in flight, the record kept until the answer is 200, live records as a query-string GET, a replayed backlog as
 * JSON batches (the background-geolocation form, up to `replayBatch` a
 * request). A record is resent in the form it was first sent in.
 */

const KMH_TO_KNOTS = 1 / 1.852;
const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

/** One OsmAnd query-string report over real HTTP; resolves with the status code (0 on a network error). */
export function reportOsmand(host: string, port: number, v: VehicleState, timeMs: number): Promise<number> {
  const q = new URLSearchParams({
    id: v.id,
    timestamp: String(Math.floor(timeMs / 1000)),
    lat: v.lat.toFixed(6),
    lon: v.lon.toFixed(6),
    speed: (v.speedKmh * KMH_TO_KNOTS).toFixed(2),
    bearing: v.headingDeg.toFixed(0),
    ignition: String(v.ignition),
  });
  return new Promise((resolve) => {
    const req = http.request({ host, port, path: `/?${q}`, method: 'GET', agent, timeout: 10_000 }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', () => resolve(0));
    req.on('timeout', () => req.destroy());
    req.end();
  });
}

/** The query string of one record (speed in knots, time in epoch ms, which the platform accepts). */
export function osmandQuery(id: string, r: SimRecord): string {
  let q =
    `id=${id}&timestamp=${r.deviceTime}&lat=${r.lat}&lon=${r.lon}&speed=${(r.speedKmh * KMH_TO_KNOTS).toFixed(2)}` +
    `&bearing=${r.headingDeg}&altitude=${r.altitudeM}&sat=${r.satellites}&ignition=${r.ignition}&motion=${r.moving}` +
    `&odometer=${r.odometerM}&batt=${Math.min(100, Math.round((r.batteryMv - 3300) / 9))}`;
  if (r.driverId) q += `&driverUniqueId=${r.driverId}`;
  if (r.alarm) q += `&alarm=${r.alarm === 'panic' ? 'sos' : 'crash'}`;
  if (r.obd) q += `&rpm=${r.obd.rpm}&coolantTemp=${r.obd.coolantC}&fuel=${r.obd.fuelLevelPct}`;
  if (r.probesC) r.probesC.forEach((t, i) => (q += `&temp${i + 1}=${t}`));
  return q;
}

/** A batch of records in the JSON form (speed in m/s). */
export function osmandJsonBody(id: string, records: readonly SimRecord[]): string {
  return JSON.stringify({
    device_id: id,
    location: records.map((r) => ({
      timestamp: r.deviceTime,
      coords: { latitude: r.lat, longitude: r.lon, speed: r.speedKmh / 3.6, heading: r.headingDeg, altitude: r.altitudeM, accuracy: 5 },
      is_moving: r.moving,
      odometer: r.odometerM,
      battery: { level: 0.8, is_charging: r.ignition },
    })),
  });
}


type OsmandForm = 'query' | 'json';

export class OsmandClient implements ProtocolClient {
  private inflight: SimRecord[] = [];
  /**
   * The form a record was first sent in. A resend keeps it: the two forms
   * carry different fields, so the same fix in the other form is new content
   * with a new record id, stored twice if the first answer was lost.
   */
  private readonly formOf = new WeakMap<SimRecord, OsmandForm>();
  private failures = 0;
  private retryTimer: NodeJS.Timeout | undefined;

  constructor(
    readonly device: SimDevice,
    private readonly ctx: ClientContext,
    private readonly pool: HttpPool,
  ) {}

  get idle(): boolean {
    return this.inflight.length === 0;
  }

  get inflightCount(): number {
    return this.inflight.length;
  }

  kick(): void {
    if (this.ctx.stopped || this.inflight.length > 0 || this.retryTimer || !this.device.online || !this.device.pending) return;
    const d = this.device;
    const first = d.oldestQueued();
    const firstForm = first && this.formOf.get(first);
    // An alarm goes alone in the query form (the JSON form has no alarm field), and so does a record
    // first sent alone; a backlog goes in batches.
    const max = first?.alarm || firstForm === 'query' ? 1 : d.hasHistory || d.queued > 1 ? this.ctx.opts.replayBatch : 1;
    const batch = d.next(max);
    if (batch.length === 0) return;
    if (batch.length > 1) {
      // Keep those on the query form: send the ones before the first of them now, the rest after.
      const cut = batch.findIndex((r) => r.alarm || this.formOf.get(r) === 'query');
      if (cut >= 0) d.requeue(batch.splice(cut === 0 ? 1 : cut));
    }
    this.send(batch, batch.length > 1 || firstForm === 'json' ? 'json' : 'query');
  }

  private send(batch: SimRecord[], form: OsmandForm): void {
    this.inflight = batch;
    for (const r of batch) this.formOf.set(r, form);
    // Transmitted when a pooled socket writes it (a phone has its own connection; the pool is the simulator's economy).
    const onSent = () => {
      markSent(this.ctx, batch);
      for (const r of batch) this.device.noteLiveSend(r);
    };
    const o = { timeoutMs: this.ctx.opts.ackTimeoutMs, onSent, urgent: batch.some((r) => r.alarm) };
    const answered = (err: Error | undefined, a?: HttpAnswer) => {
      const ok = !err && a?.status === 200;
      if (ok) {
        const dup = /"duplicates"\s*:\s*(\d+)/.exec(a!.body);
        if (dup) this.ctx.stats.counters.platformDuplicates += Number(dup[1]);
      }
      this.done(ok);
    };
    if (form === 'query') this.pool.get(`/?${osmandQuery(this.device.id, batch[0]!)}`, o, answered);
    else this.pool.post('/', 'application/json', osmandJsonBody(this.device.id, batch), o, answered);
  }

  private done(ok: boolean): void {
    const batch = this.inflight;
    if (batch.length === 0) return; // already settled (error after end)
    this.inflight = [];
    if (ok) {
      this.failures = 0;
      markAcked(this.ctx, this.device, batch);
      this.kick();
      return;
    }
    this.ctx.stats.counters.sendFailures++;
    this.failures++;
    this.device.requeue(batch);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      this.kick();
    }, retryDelayMs(this.failures));
  }

  close(): void {
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
  }
}
