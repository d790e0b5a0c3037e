import { describe, expect, it, vi } from 'vitest';
import { movingStepS, recordContent, type SimRecord } from './device.ts';
import { DEFAULT_DEAD_ZONES, FleetModel, parseMix, protocolOf, type FleetOptions } from './fleet.ts';
import { IGNITION_ON_SHARE, MEAN_DRIVE_S, SimulatedVehicle } from './vehicle.ts';

const T0 = Date.UTC(2025, 5, 2, 6, 0, 0);

function options(over: Partial<FleetOptions> = {}): FleetOptions {
  return {
    devices: 120,
    seed: 42,
    mix: { osmand: 0.4, teltonika: 0.4, gt06: 0.2 },
    rateScale: 1,
    idOffset: 0,
    startMs: T0,
    deadZones: { ...DEFAULT_DEAD_ZONES, initialShare: 0.1, perDeviceHour: 6 },
    alarmsPerMin: 20,
    ...over,
  };
}

/** Steps the fleet on a virtual clock in 10 phase groups and takes every record as an always-acking transport would. */
function run(opts: FleetOptions, seconds: number): { id: string; r: Omit<SimRecord, 'sentAt' | 'sends'> }[] {
  const fleet = new FleetModel(opts);
  const out: { id: string; r: Omit<SimRecord, 'sentAt' | 'sends'> }[] = [];
  for (let s = 0; s < seconds; s++) {
    for (let g = 0; g < 10; g++) {
      fleet.stepGroup(g, 10, T0 + s * 1000 + g * 100);
      for (const d of fleet.devices) if (d.online) for (const r of d.next(50)) out.push({ id: d.id, r: recordContent(r) });
    }
  }
  return out;
}

describe('simulator determinism', () => {
  it('the same seed gives the same records, byte for byte', () => {
    const a = run(options(), 240);
    const b = run(options(), 240);
    expect(a.length).toBeGreaterThan(500);
    expect(JSON.stringify(b)).toBe(JSON.stringify(a));
    // and the run exercised what it should: alarms, replays, sensors, every protocol
    expect(a.some((x) => x.r.alarm === 'panic')).toBe(true);
    expect(a.some((x) => x.r.buffered)).toBe(true);
    expect(a.some((x) => x.r.obd) && a.some((x) => x.r.probesC) && a.some((x) => x.r.driverId)).toBe(true);
    expect(new Set(a.map((x) => x.id.slice(0, 3))).size).toBe(3);
  });

  it('a fleet reports evenly over time at any rate scale, and a change of rate comes in without a burst', () => {
    const fleet = new FleetModel(options({ devices: 3000, rateScale: 0.15, alarmsPerMin: 0, deadZones: { ...DEFAULT_DEAD_ZONES, initialShare: 0, perDeviceHour: 0 } }));
    const perWindow: number[] = [];
    for (let s = 0; s < 600; s++) {
      if (s === 400) fleet.rateScale = 0.3;
      let n = 0;
      for (let g = 0; g < 10; g++) fleet.stepGroup(g, 10, T0 + s * 1000 + g * 100, () => n++);
      if (s % 10 === 0) perWindow.push(0);
      perWindow[perWindow.length - 1]! += n;
    }
    // After the devices' first reports (within 10 s of connecting), 10 s windows hold about the same number:
    // intervals are 33-67 s moving and 400-2,000 s parked at x0.15, so waves would show as windows several times the mean.
    const spread = (w: number[]) => {
      const mean = w.reduce((a, b) => a + b, 0) / w.length;
      return { mean, max: Math.max(...w) / mean, min: Math.min(...w) / mean };
    };
    const before = spread(perWindow.slice(2, 40));
    expect(before.mean).toBeGreaterThan(300);
    expect(before.max).toBeLessThan(1.35);
    expect(before.min).toBeGreaterThan(0.65);
    const after = spread(perWindow.slice(40));
    expect(after.mean / before.mean).toBeGreaterThan(1.6);
    expect(after.max).toBeLessThan(1.35);
  });

  it('a parked vehicle, stepped every 10 s, reports at the very seconds it would stepped every second, and drives off on time', () => {
    const opts = options({ devices: 300, rateScale: 2, mix: { osmand: 1, teltonika: 0, gt06: 0 }, alarmsPerMin: 0, deadZones: { ...DEFAULT_DEAD_ZONES, initialShare: 0, perDeviceHour: 0 } });
    const fleet = new FleetModel(opts);
    const reports = new Map<string, number[]>();
    for (let s = 1; s <= 900; s++) {
      fleet.stepGroup(0, 1, T0 + s * 1000, (d, r) => {
        const list = reports.get(d.id) ?? [];
        list.push(Math.round((r.deviceTime - T0) / 1000));
        reports.set(d.id, list);
      });
    }
    // The reference: the same vehicles stepped one second at a time, until each first leaves its park.
    let compared = 0;
    for (const twin of new FleetModel(opts).devices) {
      if (twin.vehicle.state.phase !== 'parked') continue;
      const due: number[] = [];
      let s = 0;
      while (twin.vehicle.state.phase === 'parked' && s < 900) {
        s++;
        if (twin.vehicle.advance(1, twin.timing.movingEveryS / 2, twin.timing.parkedEveryS / 2)) due.push(s);
      }
      const seen = (reports.get(twin.id) ?? []).filter((t) => t <= s);
      // Past the first report (forced within 10 s of power-on), the same seconds, the drive-off's included.
      expect(seen.filter((t) => t > 10), twin.id).toEqual(due.filter((t) => t > 10));
      compared += due.length;
    }
    expect(compared).toBeGreaterThan(200);
  });

  it('another seed gives another fleet', () => {
    const a = run(options(), 60);
    const b = run(options({ seed: 43 }), 60);
    expect(JSON.stringify(b)).not.toBe(JSON.stringify(a));
  });

  it('records of a device come in device-time order, history before live, and GT06 times are whole seconds', () => {
    const recs = run(options({ storm: { devices: 10, atS: 30, backlogS: 600 } }), 120);
    const byDevice = new Map<string, number[]>();
    for (const x of recs) {
      if (x.r.alarm) continue; // alarms jump the queue
      const list = byDevice.get(x.id) ?? [];
      list.push(x.r.deviceTime);
      byDevice.set(x.id, list);
    }
    for (const [id, times] of byDevice) {
      for (let i = 1; i < times.length; i++) expect(times[i]!, id).toBeGreaterThan(times[i - 1]!);
      if (id.startsWith('86')) expect(times.every((t) => t % 1000 === 0)).toBe(true);
    }
    const stormed = recs.filter((x) => x.r.buffered && x.r.deviceTime < T0);
    expect(stormed.length).toBeGreaterThan(10 * 20); // ten minutes of history for ten devices
  });

  it('a device never stamps two records with one time, across the end of its history and the start of its live records', () => {
    // Every device comes back from an outage whose history ends at the fleet's start; the first live steps fall in that second.
    const recs = run(options({ devices: 2000, alarmsPerMin: 600, deadZones: { ...DEFAULT_DEAD_ZONES, initialShare: 1, initialMaxS: 1, backlogMinS: 60, backlogMaxS: 120, perDeviceHour: 0 } }), 5);
    const records = recs.length;
    const sameTime = records - new Set(recs.map((x) => `${x.id}@${x.r.deviceTime}`)).size;
    expect(records).toBeGreaterThan(10_000);
    expect(sameTime).toBe(0);
  });

  it('a storm device continues live exactly where its replayed history ends', () => {
    const fleet = new FleetModel(options({ devices: 3, storm: { devices: 1, atS: 5, backlogS: 300 }, alarmsPerMin: 0 }));
    const d = fleet.devices[0]!;
    expect(d.online).toBe(false);
    const history = d.next(10_000);
    // an independent vehicle with the same seed, stepped over the same 300 s
    const twin = new FleetModel(options({ devices: 3, alarmsPerMin: 0, deadZones: { ...DEFAULT_DEAD_ZONES, initialShare: 0, perDeviceHour: 0 } })).devices[0]!;
    for (let t = 0; t < 300; t += 5) twin.vehicle.advance(5, 1e9, 1e9);
    expect(d.vehicle.state.lat).toBeCloseTo(twin.vehicle.state.lat, 9);
    expect(d.vehicle.state.odometerM).toBeCloseTo(twin.vehicle.state.odometerM, 6);
    expect(history.at(-1)!.deviceTime).toBeLessThanOrEqual(T0);
    expect(history[0]!.deviceTime).toBeGreaterThanOrEqual(T0 - 300_000);
  });

  it('a device is behind while in coverage with history to send or a record older than the limit', () => {
    const fleet = new FleetModel(options({ devices: 1, storm: { devices: 1, atS: 5, backlogS: 300 }, alarmsPerMin: 0, deadZones: { ...DEFAULT_DEAD_ZONES, initialShare: 0, perDeviceHour: 0 } }));
    const d = fleet.devices[0]!;
    const at = (s: number) => T0 + s * 1000;
    expect(d.behind(at(0), 60_000)).toBe(false); // out of coverage: it cannot send, so it is not waiting for the platform
    for (let s = 0; s < 6; s++) fleet.stepGroup(0, 1, at(s));
    expect(d.online).toBe(true);
    expect(d.behind(at(6), 60_000)).toBe(true); // back, with the outage's history still on the device
    d.next(100_000);
    expect(d.hasHistory).toBe(false);
    expect(d.behind(at(6), 60_000)).toBe(false);
    let s = 6;
    while (d.queued === 0) fleet.stepGroup(0, 1, at(s++));
    expect(d.behind(at(s), 60_000)).toBe(false); // just recorded
    expect(d.behind(at(s + 61), 60_000)).toBe(true); // still there a minute later
    d.requeue(d.next(100));
    expect(d.behind(at(s + 61), 60_000)).toBe(true); // given back by a failed send: still waiting
  });

  it('store-and-forward: records given back after a failure are sent again first, in order', () => {
    const fleet = new FleetModel(options({ devices: 1, storm: { devices: 1, atS: 0, backlogS: 200 }, alarmsPerMin: 0 }));
    const d = fleet.devices[0]!;
    const first = d.next(5);
    const second = d.next(5);
    d.requeue(second);
    d.requeue(first);
    const again = d.next(10);
    expect(again.map((r) => r.deviceTime)).toEqual([...first, ...second].map((r) => r.deviceTime));
    const alarm = d.raiseAlarm(T0 + 1000, 'panic');
    expect(d.next(1)[0]).toBe(alarm);
  });

  it('alarms come at the rate asked for even when only the few devices outside a storm may raise them', () => {
    const fleet = new FleetModel(options({ devices: 1020, storm: { devices: 1000, atS: 5, backlogS: 60 }, alarmsPerMin: 120, deadZones: { ...DEFAULT_DEAD_ZONES, initialShare: 0, perDeviceHour: 0 } }));
    const raisedBy = new Set<string>();
    let alarms = 0;
    for (let s = 0; s < 60; s++)
      fleet.stepGroup(0, 1, T0 + s * 1000, (d, r) => {
        if (!r.alarm) return;
        alarms++;
        raisedBy.add(d.id);
      });
    expect(alarms).toBe(120);
    const stormIds = new Set(fleet.devices.slice(0, 1000).map((d) => d.id));
    expect([...raisedBy].some((id) => stormIds.has(id))).toBe(false);
  });

  it('alarms are spread over the second, not raised together', () => {
    const fleet = new FleetModel(options({ devices: 200, alarmsPerMin: 600, deadZones: { ...DEFAULT_DEAD_ZONES, initialShare: 0, perDeviceHour: 0 } }));
    const perGroup = new Array<number>(10).fill(0);
    for (let s = 0; s < 30; s++)
      for (let g = 0; g < 10; g++)
        fleet.stepGroup(g, 10, T0 + s * 1000 + g * 100, (_d, r) => {
          if (r.alarm) perGroup[g]!++;
        });
    // Ten a second: one in each 100 ms phase group.
    expect(perGroup).toEqual(new Array<number>(10).fill(30));
  });

  it('the protocol mix is met closely and is stable for a seed', () => {
    const mix = parseMix('osmand=2,teltonika=2,gt06=1');
    expect(mix.osmand).toBeCloseTo(0.4);
    const counts = { osmand: 0, teltonika: 0, gt06: 0 };
    for (let i = 0; i < 10_000; i++) counts[protocolOf(i, 7, mix)]++;
    expect(Math.abs(counts.osmand - 4000)).toBeLessThan(50);
    expect(Math.abs(counts.gt06 - 2000)).toBeLessThan(50);
    expect(protocolOf(123, 7, mix)).toBe(protocolOf(123, 7, mix));
    expect(() => parseMix('osmand=1,mqtt=1')).toThrow(/unknown protocol "mqtt"/);
    expect(() => parseMix('osmand=x')).toThrow(/non-negative share/);
  });

  it('a fleet starts in the mix it keeps: the share of ignitions on and the reports per ten minutes hold from the start', () => {
    const fleet = Array.from({ length: 2000 }, (_, i) => new SimulatedVehicle(`v${i}`, 9000 + i));
    const dtS = 4;
    const shares: number[] = [];
    const reportsPer10Min: number[] = [];
    for (let t = 0; t < 2 * 3600; t += dtS) {
      if (t % 600 === 0) {
        shares.push(fleet.filter((v) => v.state.ignition).length / fleet.length);
        reportsPer10Min.push(0);
      }
      for (const v of fleet) if (v.advance(dtS)) reportsPer10Min[reportsPer10Min.length - 1]!++;
    }
    for (const share of shares) expect(Math.abs(share - IGNITION_ON_SHARE)).toBeLessThan(0.03);
    const mean = reportsPer10Min.reduce((a, b) => a + b, 0) / reportsPer10Min.length;
    for (const n of reportsPer10Min) expect(Math.abs(n / mean - 1)).toBeLessThan(0.04);
  });

  it('MEAN_DRIVE_S, which places a fleet in its mix, is what the vehicles drive', () => {
    // Drives seen from pulling away to arriving, begun in the first 6 h; 6 h more lets nearly all of them end.
    const drives: number[] = [];
    const dtS = 5;
    for (let i = 0; i < 600; i++) {
      const v = new SimulatedVehicle(`d${i}`, 5000 + i);
      let startedAt: number | undefined;
      let before = v.state.phase;
      for (let t = 0; t < 12 * 3600; t += dtS) {
        v.advance(dtS);
        const now = v.state.phase;
        if (before === 'warming' && now === 'driving' && t < 6 * 3600) startedAt = t;
        if (now === 'arriving' && before !== 'arriving' && startedAt !== undefined) {
          drives.push(t - startedAt);
          startedAt = undefined;
        }
        before = now;
      }
    }
    expect(drives.length).toBeGreaterThan(1000);
    const mean = drives.reduce((a, b) => a + b, 0) / drives.length;
    expect(Math.abs(mean / MEAN_DRIVE_S - 1)).toBeLessThan(0.06);
  });

  it('the demo fleet vehicle API still works: constructor(id, seed) and advance(dtS) -> due', () => {
    const v = new SimulatedVehicle('demo-0001', 1001);
    let reports = 0;
    for (let i = 0; i < 3600; i++) if (v.advance(1)) reports++;
    expect(reports).toBeGreaterThan(30);
    expect(v.state.id).toBe('demo-0001');
    expect(Number.isFinite(v.state.lat) && Number.isFinite(v.state.lon)).toBe(true);
  });

  it('vehicles reporting every 20 s or more are stepped every 5 s, each on its own beat: reports fall on every tenth of a second alike', () => {
    expect([5, 7, 8, 19, 20, 40, 400].map(movingStepS)).toEqual([1, 1, 2, 4, 5, 5, 5]);
    const opts = options({ devices: 6000, rateScale: 0.25, alarmsPerMin: 0, deadZones: { ...DEFAULT_DEAD_ZONES, initialShare: 0, perDeviceHour: 0 } });
    const fleet = new FleetModel(opts);
    const advance = vi.spyOn(SimulatedVehicle.prototype, 'advance');
    // A report's place in a five-second cycle of ten phase groups a second: 50 slots.
    const bySlot = new Array<number>(50).fill(0);
    const seconds = 600;
    try {
      for (let s = 0; s < seconds; s++) {
        for (let g = 0; g < 10; g++) fleet.stepGroup(g, 10, T0 + s * 1000 + g * 100, () => s >= 20 && bySlot[(s % 5) * 10 + g]!++);
      }
      // Moving vehicles (most of the steps) every 5 s, parked ones every 10 s at most: a fifth of the work of stepping each every second.
      expect(advance.mock.calls.length / (opts.devices * seconds)).toBeLessThan(0.3);
    } finally {
      advance.mockRestore();
    }
    const total = bySlot.reduce((a, b) => a + b, 0);
    expect(total).toBeGreaterThan(20_000);
    // Every tenth of a second of the cycle gets its share, within what a few hundred vehicles a slot make of it:
    // vehicles stepping together (by second, or by phase group) would leave slots empty (a deviation near 1).
    for (const n of bySlot) expect(Math.abs(n / (total / 50) - 1)).toBeLessThan(0.3);
  });
});
