import { Rng, mixSeed } from './random.ts';
import { SensorState, chooseProfile, type SensorProfile } from './sensors.ts';
import { SimulatedVehicle } from './vehicle.ts';

/**
 * A simulated device: a vehicle, its sensors, its reporting intervals, and
 * its memory of records not yet acknowledged (store-and-forward). Pure and
 * seeded: which records it produces depends only on the seed, its index and
 * the sequence of steps and clock values it is given. The protocol clients
 * (teltonika-client.ts, gt06-client.ts, osmand-client.ts) take records with
 * `next()` and hand back the ones a failure left unacknowledged with
 * `requeue()`, so nothing is dropped until the platform acknowledged it.
 */

export type SimProtocol = 'osmand' | 'teltonika' | 'gt06';
export const PROTOCOLS: readonly SimProtocol[] = ['osmand', 'teltonika', 'gt06'];

export type SimAlarm = 'panic' | 'crash';

/** One record as the device encodes it (units of the model; the encoders round to the wire). */
export interface SimRecord {
  /** Epoch ms, as the device encodes it (whole seconds for GT06). */
  deviceTime: number;
  lat: number;
  lon: number;
  altitudeM: number;
  speedKmh: number;
  headingDeg: number;
  satellites: number;
  ignition: boolean;
  moving: boolean;
  odometerM: number;
  externalMv: number;
  batteryMv: number;
  obd?: { rpm: number; coolantC: number; fuelUsedL: number; fuelLevelPct: number };
  probesC?: number[];
  driverId?: string;
  alarm?: SimAlarm;
  /** Recorded while out of coverage, or replayed from before the run: old by the time it is sent. */
  buffered: boolean;
  /** Wall clock (epoch ms, fractional) of the last transmission; 0 until sent. Not part of the content. */
  sentAt: number;
  /** Transmissions so far. Not part of the content. */
  sends: number;
}

/** The content of a record, without the transport's bookkeeping (for determinism checks). */
export function recordContent(r: SimRecord): Omit<SimRecord, 'sentAt' | 'sends'> {
  const { sentAt: _s, sends: _n, ...content } = r;
  return content;
}

export interface DeviceTiming {
  /** Base reporting intervals of this device (before the fleet's rate scale). */
  movingEveryS: number;
  parkedEveryS: number;
}

const round6 = (v: number) => Math.round(v * 1e6) / 1e6;

/** Vehicle + sensors: the part of a device that a history cursor can replay from an earlier time. */
class DeviceBody {
  readonly vehicle: SimulatedVehicle;
  readonly sensors: SensorState;

  constructor(id: string, seed: number, profile: SensorProfile) {
    this.vehicle = new SimulatedVehicle(id, mixSeed(seed, 0, 11));
    this.sensors = new SensorState(profile, mixSeed(seed, 0, 12), this.vehicle.state);
  }

  /** Advance dtS; true when a report is due. */
  step(dtS: number, movingEveryS: number, parkedEveryS: number): boolean {
    const due = this.vehicle.advance(dtS, movingEveryS, parkedEveryS);
    this.sensors.update(this.vehicle.state, dtS);
    return due;
  }

  record(deviceTime: number, buffered: boolean, alarm?: SimAlarm): SimRecord {
    const v = this.vehicle.state;
    const s = this.sensors.read(v);
    const r: SimRecord = {
      deviceTime,
      lat: round6(v.lat),
      lon: round6(v.lon),
      altitudeM: Math.round(v.altitudeM),
      speedKmh: Math.round(v.speedKmh),
      headingDeg: Math.round(v.headingDeg) % 360,
      satellites: v.satellites,
      ignition: v.ignition,
      moving: v.speedKmh > 0,
      odometerM: Math.round(v.odometerM),
      externalMv: s.externalMv,
      batteryMv: s.batteryMv,
      buffered,
      sentAt: 0,
      sends: 0,
    };
    if (s.obd) r.obd = s.obd;
    if (s.probesC) r.probesC = s.probesC;
    if (s.driverId) r.driverId = s.driverId;
    if (alarm) r.alarm = alarm;
    return r;
  }
}

/** The longest a parked vehicle goes unstepped (its sensors drift meanwhile, read at most this late). */
const PARKED_STEP_S = 10;

/**
 * A vehicle on the move is stepped at least this many times between two of
 * its reports, and at most every MOVING_STEP_MAX_S: one-second steps for a
 * tracker reporting every 5-10 s, five-second steps (as history is made) for
 * one reporting every 20 s or more. Stepping 100,000 vehicles every second
 * at `--rate-scale 0.25` kept the simulator's thread busy 93 % of the time,
 * 38 % of it on the vehicles (bench profile), and its late loop held records
 * back from the platform it measured.
 */
const MOVING_STEPS_PER_REPORT = 4;
const MOVING_STEP_MAX_S = 5;

export function movingStepS(movingEveryS: number): number {
  return Math.max(1, Math.min(MOVING_STEP_MAX_S, Math.floor(movingEveryS / MOVING_STEPS_PER_REPORT)));
}

/** History steps are coarser than live ones: an hour of 10,000 devices is generated lazily and cheaply. */
export const HISTORY_STEP_S = 5;

/**
 * Records a device stored during an outage that began before the run: its
 * body replayed from `fromMs` to `toMs` at the device's intervals, produced
 * lazily as the client asks for them (an hour of a big fleet never sits in memory at once).
 */
class HistoryCursor {
  private tMs: number;

  constructor(
    private readonly body: DeviceBody,
    fromMs: number,
    private readonly toMs: number,
    private readonly timing: DeviceTiming,
    private readonly wholeSeconds: boolean,
  ) {
    this.tMs = fromMs;
  }

  get done(): boolean {
    return this.tMs >= this.toMs;
  }

  take(max: number, out: SimRecord[]): void {
    while (out.length < max && this.tMs < this.toMs) {
      this.tMs += HISTORY_STEP_S * 1000;
      if (this.body.step(HISTORY_STEP_S, this.timing.movingEveryS, this.timing.parkedEveryS)) {
        const t = this.wholeSeconds ? Math.floor(this.tMs / 1000) * 1000 : this.tMs;
        out.push(this.body.record(t, true));
      }
    }
  }
}

export interface DeviceInit {
  index: number;
  id: string;
  protocol: SimProtocol;
  seed: number;
  /** Start out of coverage until this device second, holding `backlogS` of history recorded before `startMs`. */
  outage?: { untilS: number; backlogS: number; startMs: number };
}

export class SimDevice {
  readonly index: number;
  /** Where in its stepping cycle a moving vehicle steps: a hash of the index, so it does not follow the phase groups. */
  private readonly beat: number;
  readonly id: string;
  readonly protocol: SimProtocol;
  readonly profile: SensorProfile;
  readonly timing: DeviceTiming;
  private readonly body: DeviceBody;
  private readonly rng: Rng;
  /** Device seconds stepped so far. */
  ageS = 0;
  /**
   * A parked vehicle changes slowly: it is stepped in one go every
   * PARKED_STEP_S, or as soon as its park ends or a report falls due, and not
   * looked at in between. Stepping 100,000 vehicles every second was most of
   * the simulator's CPU at that size, a third of them parked.
   */
  private unsteppedS = 0;
  /** Seconds from the last step in which nothing happens to the vehicle (0 while it is not parked). */
  private quietS = 0;
  /** Out of coverage until this device second (0: in coverage). */
  offlineUntilS = 0;
  private history: HistoryCursor | undefined;
  /** History records not yet taken. */
  historyLeft = 0;
  /** Recorded, not yet taken by the client (oldest first). */
  private readonly queue: SimRecord[] = [];
  /** Alarms jump the queue: a tracker sends a panic at once. */
  private readonly urgent: SimRecord[] = [];
  /** Records a failed transmission gave back: older than anything still in history or queue. */
  private readonly front: SimRecord[] = [];
  /** A tracker reports once soon after power-on; spread over the first 10 s so a big fleet does not start in one burst. */
  private firstReportS: number;
  private reported = false;
  /** Set by the fleet when a storm/test wants this device never to raise alarms. */
  alarmsAllowed = true;
  /** Live sends awaiting their echo on the WebSocket / actor stream: deviceTime -> sentAt. */
  readonly recent: { deviceTime: number; sentAt: number; ws: boolean; actor: boolean }[] = [];
  /** Alarm sends awaiting their derived event: deviceTime -> when it was sent, and where its event was seen. */
  readonly alarmSends = new Map<number, { sentAt: number; nats: boolean; ws: boolean }>();

  constructor(init: DeviceInit) {
    this.index = init.index;
    this.beat = Math.imul(init.index + 1, 0x9e3779b1) >>> 8;
    this.id = init.id;
    this.protocol = init.protocol;
    this.rng = new Rng(mixSeed(init.seed, 0, 21));
    this.profile = chooseProfile(new Rng(mixSeed(init.seed, 0, 22)), init.protocol);
    this.timing = { movingEveryS: 5 + this.rng.int(6), parkedEveryS: 60 + this.rng.int(241) };
    this.firstReportS = 1 + this.rng.int(10);
    this.body = new DeviceBody(init.id, init.seed, this.profile);
    if (init.outage) {
      const { untilS, startMs } = init.outage;
      // Whole history steps, so the replayed history ends exactly at startMs and the fast-forward matches it.
      const backlogS = Math.round(init.outage.backlogS / HISTORY_STEP_S) * HISTORY_STEP_S;
      this.offlineUntilS = untilS;
      if (backlogS > 0) {
        // The history body starts backlogS earlier; the live body is fast-forwarded over the same
        // steps, so the live vehicle continues exactly where the replayed history ends.
        const past = new DeviceBody(init.id, init.seed, this.profile);
        this.history = new HistoryCursor(past, startMs - backlogS * 1000, startMs, this.timing, init.protocol === 'gt06');
        // Its last record may be stamped startMs: the live clock goes on from there. A live record in the same
        // second was a second record at one time, and for a GT06 tracker standing still the same record.
        this.lastDeviceTime = init.protocol === 'gt06' ? Math.floor(startMs / 1000) * 1000 : startMs;
        // The fast-forward takes the very steps the history cursor will: counting its reports gives the backlog's size.
        for (let t = 0; t < backlogS; t += HISTORY_STEP_S) if (this.body.step(HISTORY_STEP_S, this.timing.movingEveryS, this.timing.parkedEveryS)) this.historyLeft++;
      }
    }
  }

  get online(): boolean {
    return this.ageS >= this.offlineUntilS;
  }

  get vehicle(): SimulatedVehicle {
    return this.body.vehicle;
  }

  /** Records held (not yet taken by the client), history not counted. */
  get queued(): number {
    return this.queue.length + this.urgent.length + this.front.length;
  }

  /** Every record held that the client has not taken: queued plus history still to replay. */
  get held(): number {
    return this.queued + this.historyLeft;
  }

  get hasHistory(): boolean {
    return this.history !== undefined && !this.history.done;
  }

  /** Anything to send? */
  get pending(): boolean {
    return this.urgent.length > 0 || this.front.length > 0 || this.queue.length > 0 || this.hasHistory;
  }

  /**
   * One second (dtS) of the device's life at wall time nowMs. Dead zones begin
   * at random (enterChance per second) and last deadZoneS. Returns the record
   * produced, if any.
   */
  step(nowMs: number, dtS: number, rateScale: number, deadZone: { enterChance: number; minS: number; maxS: number }): SimRecord | undefined {
    this.ageS += dtS;
    this.unsteppedS += dtS;
    let due = false;
    if (this.unsteppedS >= this.quietS) {
      const parkedEveryS = this.timing.parkedEveryS / rateScale;
      const movingEveryS = this.timing.movingEveryS / rateScale;
      due = this.body.step(this.unsteppedS, movingEveryS, parkedEveryS);
      this.unsteppedS = 0;
      if (this.body.vehicle.state.phase === 'parked') this.quietS = Math.min(PARKED_STEP_S, this.body.vehicle.quietS(parkedEveryS));
      else {
        // On the device's own beat: vehicles that set off together must not all step in the same second, nor the
        // devices of one phase group (every tenth index) together (their reports would come in bursts).
        const every = movingStepS(movingEveryS);
        this.quietS = every - ((this.ageS + this.beat) % every);
      }
    }
    if (!this.reported && this.ageS >= this.firstReportS) due = true;
    if (due) this.reported = true;
    if (this.online && deadZone.enterChance > 0 && this.rng.chance(deadZone.enterChance * dtS)) {
      this.offlineUntilS = this.ageS + Math.round(this.rng.range(deadZone.minS, deadZone.maxS));
    }
    if (!due) return undefined;
    const r = this.body.record(this.timeOf(nowMs), !this.online);
    this.queue.push(r);
    return r;
  }

  /** A panic button or a crash, recorded now and sent ahead of everything else. */
  raiseAlarm(nowMs: number, alarm: SimAlarm): SimRecord {
    const r = this.body.record(this.timeOf(nowMs), !this.online, alarm);
    this.urgent.push(r);
    return r;
  }

  private lastDeviceTime = 0;

  /**
   * The device clock: whole seconds for GT06, ms otherwise, and strictly increasing. A tracker never
   * stamps two records with one time; two steps of a lagging simulator inside one second would,
   * and identical content at one time is one record id, which the platform rightly keeps once.
   */
  private timeOf(nowMs: number): number {
    const unit = this.protocol === 'gt06' ? 1000 : 1;
    const t = Math.max(Math.floor(nowMs / unit) * unit, this.lastDeviceTime + unit);
    this.lastDeviceTime = t;
    return t;
  }

  /**
   * In coverage and behind: history from before the run still to replay, or
   * a record recorded more than `maxAgeMs` ago not yet taken by the client.
   * A live device takes every record within seconds (a Teltonika unit waits
   * at most 30 s for a fuller packet), so an older one waits for the platform.
   */
  behind(nowMs: number, maxAgeMs: number): boolean {
    if (!this.online) return false;
    if (this.hasHistory) return true;
    const oldest = this.front[0] ?? this.queue[0];
    return oldest !== undefined && nowMs - oldest.deviceTime > maxAgeMs;
  }

  /** The record that would be sent first (history not counted). */
  oldestQueued(): SimRecord | undefined {
    return this.urgent[0] ?? this.front[0] ?? this.queue[0];
  }

  /**
   * Up to `max` records to send next: alarms first, then records given back
   * by a failed send, then the oldest history, then the queue. The queue is
   * only reached once history is exhausted, so what is given back is always
   * older than what remains: order holds across failures.
   */
  next(max: number): SimRecord[] {
    const out: SimRecord[] = [];
    while (out.length < max && this.urgent.length > 0) out.push(this.urgent.shift()!);
    while (out.length < max && this.front.length > 0) out.push(this.front.shift()!);
    if (out.length < max && this.history && !this.history.done) {
      const before = out.length;
      this.history.take(max, out);
      this.historyLeft = this.history.done ? 0 : Math.max(0, this.historyLeft - (out.length - before));
    }
    if (out.length < max && this.queue.length > 0) {
      const n = Math.min(max - out.length, this.queue.length);
      for (const r of this.queue.splice(0, n)) out.push(r);
    }
    return out;
  }

  /** Records a failed transmission left unacknowledged go back to the front, in order. */
  requeue(records: SimRecord[]): void {
    const alarms = records.filter((r) => r.alarm !== undefined && !r.buffered);
    const rest = records.filter((r) => !(r.alarm !== undefined && !r.buffered));
    this.urgent.unshift(...alarms);
    this.front.unshift(...rest);
  }

  /** Remember a live send so its appearance on the WebSocket / actor stream can be timed. */
  noteLiveSend(r: SimRecord): void {
    if (r.buffered || r.sends > 1) return;
    if (this.recent.length >= 4) this.recent.shift();
    this.recent.push({ deviceTime: r.deviceTime, sentAt: r.sentAt, ws: false, actor: false });
    if (r.alarm) {
      this.alarmSends.set(r.deviceTime, { sentAt: r.sentAt, nats: false, ws: false });
      if (this.alarmSends.size > 8) this.alarmSends.delete(this.alarmSends.keys().next().value!);
    }
  }
}
