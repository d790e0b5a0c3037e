import { PROTOCOLS, SimDevice, type SimAlarm, type SimProtocol, type SimRecord } from './device.ts';
import { Rng, mixSeed } from './random.ts';

/**
 * The whole simulated fleet, pure and seeded: which device speaks which
 * protocol, who starts out of coverage with a backlog, when dead zones begin
 * and end, and when alarms go off. The runner (runner.ts) steps it in wall
 * time and hands records to the protocol clients; tests step it on a virtual
 * clock. Devices are stepped once per second in `groups` phase groups, so a
 * big fleet's work is spread over the second instead of landing at once.
 */

export type Mix = Record<SimProtocol, number>;

export const DEFAULT_MIX: Mix = { osmand: 0.4, teltonika: 0.4, gt06: 0.2 };

export interface FleetOptions {
  devices: number;
  seed: number;
  mix: Mix;
  /** Reporting intervals are divided by this (2 = twice as many records). */
  rateScale: number;
  /** Added to every device index in its id, so several simulators can drive one platform. */
  idOffset: number;
  /** Wall clock (epoch ms) of the fleet's second 0: history backlogs end here. */
  startMs: number;
  deadZones: {
    /** Share of devices that start out of coverage, each with a backlog of backlogMinS..backlogMaxS. */
    initialShare: number;
    backlogMinS: number;
    backlogMaxS: number;
    /** The initial outages end within this many seconds. */
    initialMaxS: number;
    /** New dead zones per device-hour during the run, and how long they last. */
    perDeviceHour: number;
    minS: number;
    maxS: number;
  };
  /** A reconnect storm: the first `devices` devices are out of coverage until `atS` with `backlogS` of history. */
  storm?: { devices: number; atS: number; backlogS: number };
  /** Panic/crash alarms per minute across the fleet (only devices in coverage, never storm devices). */
  alarmsPerMin: number;
}

export const DEFAULT_DEAD_ZONES: FleetOptions['deadZones'] = {
  initialShare: 0.02,
  backlogMinS: 120,
  backlogMaxS: 1800,
  initialMaxS: 60,
  perDeviceHour: 0.2,
  minS: 60,
  maxS: 600,
};

export function deviceIdOf(protocol: SimProtocol, n: number): string {
  switch (protocol) {
    case 'osmand':
      return `sim-${String(n).padStart(7, '0')}`;
    case 'teltonika':
      return `35${String(n).padStart(13, '0')}`; // 15-digit IMEI
    case 'gt06':
      return `86${String(n).padStart(13, '0')}`;
  }
}

/** Low-discrepancy assignment: proportions match the mix closely at any fleet size, seeded. */
export function protocolOf(index: number, seed: number, mix: Mix): SimProtocol {
  const total = PROTOCOLS.reduce((s, p) => s + mix[p], 0);
  const u = (index * 0.6180339887498949 + (mixSeed(seed, 0, 99) / 4294967296)) % 1;
  let acc = 0;
  for (const p of PROTOCOLS) {
    acc += mix[p] / total;
    if (u < acc) return p;
  }
  return PROTOCOLS.findLast((p) => mix[p] > 0)!;
}

export function parseMix(text: string): Mix {
  const mix: Mix = { osmand: 0, teltonika: 0, gt06: 0 };
  for (const part of text.split(',')) {
    const [name, value] = part.split('=').map((s) => s.trim());
    if (!name || !(PROTOCOLS as readonly string[]).includes(name)) {
      throw new Error(`--mix: unknown protocol ${JSON.stringify(name ?? part)} (use osmand, teltonika, gt06, e.g. osmand=0.4,teltonika=0.4,gt06=0.2)`);
    }
    const v = Number(value);
    if (value === undefined || !Number.isFinite(v) || v < 0) throw new Error(`--mix: ${name} needs a non-negative share, got ${JSON.stringify(value)}`);
    mix[name as SimProtocol] = v;
  }
  const total = PROTOCOLS.reduce((s, p) => s + mix[p], 0);
  if (total <= 0) throw new Error('--mix: at least one protocol needs a share above 0');
  for (const p of PROTOCOLS) mix[p] /= total;
  return mix;
}

export class FleetModel {
  readonly devices: SimDevice[];
  private readonly rng: Rng;
  private alarmBudget = 0;
  /** Devices that may raise alarms (a storm's devices do not): picked from directly, so the rate holds however few they are. */
  private readonly alarmDevices: SimDevice[];
  rateScale: number;
  alarmsPerMin: number;
  /** Fleet seconds stepped (advanced when group 0 steps). */
  second = 0;

  constructor(readonly opts: FleetOptions) {
    this.rng = new Rng(mixSeed(opts.seed, 0, 1));
    this.rateScale = opts.rateScale;
    this.alarmsPerMin = opts.alarmsPerMin;
    const dz = opts.deadZones;
    const stormN = Math.min(opts.storm?.devices ?? 0, opts.devices);
    this.devices = [];
    for (let i = 0; i < opts.devices; i++) {
      const protocol = protocolOf(i, opts.seed, opts.mix);
      const seed = mixSeed(opts.seed, i, 2);
      const pick = new Rng(mixSeed(opts.seed, i, 3));
      let outage: ConstructorParameters<typeof SimDevice>[0]['outage'];
      if (i < stormN) {
        outage = { untilS: opts.storm!.atS, backlogS: opts.storm!.backlogS, startMs: opts.startMs };
      } else if (pick.chance(dz.initialShare)) {
        outage = {
          untilS: 1 + pick.int(Math.max(1, dz.initialMaxS)),
          backlogS: Math.round(pick.range(dz.backlogMinS, dz.backlogMaxS)),
          startMs: opts.startMs,
        };
      }
      const d = new SimDevice({ index: i, id: deviceIdOf(protocol, opts.idOffset + i), protocol, seed, ...(outage ? { outage } : {}) });
      if (i < stormN) d.alarmsAllowed = false;
      this.devices.push(d);
    }
    this.alarmDevices = this.devices.filter((d) => d.alarmsAllowed);
  }

  /**
   * Step phase group g (of `groups`) by one second at wall time nowMs.
   * Calls `onRecord` for every record produced and `onAlarm` for each alarm raised.
   */
  stepGroup(g: number, groups: number, nowMs: number, onRecord?: (d: SimDevice, r: SimRecord) => void): void {
    const dz = this.opts.deadZones;
    const deadZone = { enterChance: dz.perDeviceHour / 3600, minS: dz.minS, maxS: dz.maxS };
    const list = this.devices;
    for (let i = g; i < list.length; i += groups) {
      const d = list[i]!;
      const r = d.step(nowMs, 1, this.rateScale, deadZone);
      if (r && onRecord) onRecord(d, r);
    }
    if (g === 0) this.second++;
    // Each phase group raises its share: alarms are independent events, and ten raised in the same
    // 100 ms once a second made one stall of the platform catch all ten (a drain's p99 came in clusters).
    this.alarmBudget += this.alarmsPerMin / 60 / groups;
    while (this.alarmBudget >= 1) {
      this.alarmBudget -= 1;
      const d = this.pickAlarmDevice();
      if (!d) break;
      const kind: SimAlarm = this.rng.chance(0.7) ? 'panic' : 'crash';
      const r = d.raiseAlarm(nowMs, kind);
      if (onRecord) onRecord(d, r);
    }
  }

  private pickAlarmDevice(): SimDevice | undefined {
    for (let tries = 0; tries < 20; tries++) {
      const d = this.alarmDevices[this.rng.int(this.alarmDevices.length)];
      if (d && d.online) return d;
    }
    return undefined;
  }
}
