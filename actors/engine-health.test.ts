import { describe, expect, it } from 'vitest';
import { DEFAULT_SETTINGS } from './device-settings.ts';
import { batteryStep, coolantStep, initialHealth, maintenanceDateStep, maintenanceStep, updateDtcs } from './engine-health.ts';
import { sampleOf } from './sample.ts';
import { DEPOT, TestDevice, at, rec, T0 } from './testing/record-kit.ts';
import { initialTrack, type Track } from './track.ts';

const cfg = DEFAULT_SETTINGS;
const track = (over: Partial<Track>): Track => ({ ...initialTrack(), id: 'x', t: T0, ...over });

describe('engine health (pure)', () => {
  it('DTCs: new codes detected, missing ones cleared with how long they were active', () => {
    const a = updateDtcs([], sampleOf(rec({ at: 0, engine: { dtcs: ['P0300', 'P0171'] } })));
    expect(a.out.map((e) => [e.type, e.data.code])).toEqual([['dtc.detected', 'P0300'], ['dtc.detected', 'P0171']]);
    const b = updateDtcs(a.dtcs, sampleOf(rec({ at: 600, engine: { dtcs: ['P0171'] } })));
    expect(b.out.map((e) => [e.type, e.data])).toEqual([['dtc.cleared', { code: 'P0300', activeS: 600 }]]);
    const c = updateDtcs(b.dtcs, sampleOf(rec({ at: 700, engine: { rpm: 800 } })));
    expect(c.dtcs).toBe(b.dtcs);
  });

  it('coolant: overheating at the threshold at once, normal again 5 °C under it', () => {
    const a = coolantStep(null, sampleOf(rec({ at: 0, engine: { coolantC: 106 } })), cfg)!;
    expect(a.confirmed).not.toBeNull();
    const b = coolantStep(a.ep, sampleOf(rec({ at: 60, engine: { coolantC: 102 } })), cfg)!;
    expect(b.ended).toBeNull();
    const c = coolantStep(b.ep, sampleOf(rec({ at: 120, engine: { coolantC: 99 } })), cfg)!;
    expect(c.ended?.peak).toBe(106);
  });

  it('battery: low after batteryLowMinS, cranking dips do not count, 0 V is no reading', () => {
    const dip = batteryStep(null, sampleOf(rec({ at: 0, engine: { externalV: 9.8 } })), cfg)!;
    const back = batteryStep(dip.ep, sampleOf(rec({ at: 5, engine: { externalV: 13.9 } })), cfg)!;
    expect(back).toEqual({ ep: null, confirmed: null, ended: null });
    expect(batteryStep(null, sampleOf(rec({ at: 0, engine: { externalV: 0 } })), cfg)).toBeNull();
    const a = batteryStep(null, sampleOf(rec({ at: 0, engine: { externalV: 11.2 } })), cfg)!;
    const b = batteryStep(a.ep, sampleOf(rec({ at: 60, engine: { externalV: 11.1 } })), cfg)!;
    expect(b.confirmed?.peak).toBe(11.1);
  });

  it('maintenance by distance: the first look only records the mark; crossing the next one is due', () => {
    const plan = { ...cfg, maintenance: { everyKm: 15_000 } };
    const m0 = maintenanceStep(initialHealth().maintenance, track({ odoM: 123_456_000 }), plan);
    expect(m0.out).toEqual([]);
    const m1 = maintenanceStep(m0.maintenance, track({ odoM: 134_999_000 }), plan);
    expect(m1.out).toEqual([]);
    const m2 = maintenanceStep(m1.maintenance, track({ id: 'r', odoM: 135_000_500 }), plan);
    expect(m2.out[0]).toMatchObject({ type: 'maintenance.due', cause: 'km:135000', data: { reason: 'distance', dueAtKm: 135_000 } });
  });

  it('maintenance by engine hours and by date (device time or tick)', () => {
    const plan = { ...cfg, maintenance: { everyEngineHours: 250, nextDate: '2025-01-07' } };
    const m0 = maintenanceStep(initialHealth().maintenance, track({ engineS: 249.5 * 3600 }), plan);
    const m1 = maintenanceStep(m0.maintenance, track({ engineS: 250.1 * 3600 }), plan);
    expect(m1.out.map((e) => e.data.reason)).toEqual(['engineHours']);
    expect(maintenanceDateStep(m1.maintenance, Date.UTC(2025, 0, 6, 23), plan, null).out).toEqual([]);
    const d = maintenanceDateStep(m1.maintenance, Date.UTC(2025, 0, 7, 1), plan, null);
    expect(d.out[0]).toMatchObject({ time: Date.UTC(2025, 0, 7), cause: 'date:2025-01-07', data: { reason: 'date', dueDate: '2025-01-07' } });
    expect(maintenanceDateStep(d.maintenance, Date.UTC(2025, 0, 8), plan, null).out).toEqual([]);
  });
});

describe('engine health (machine)', () => {
  it('DTCs, critical overheating, low battery, open alerts', () => {
    const d = new TestDevice();
    d.feed(
      rec({ at: 0, ...DEPOT, ign: true, engine: { coolantC: 90, externalV: 14, dtcs: [] } }),
      rec({ at: 10, ...DEPOT, ign: true, engine: { coolantC: 107, externalV: 14, dtcs: ['P0217'] } }),
      rec({ at: 20, ...DEPOT, ign: false, engine: { coolantC: 104, externalV: 11.0 } }),
      rec({ at: 90, ...DEPOT, ign: false, engine: { coolantC: 80, externalV: 11.0, dtcs: [] } }),
      rec({ at: 100, ...DEPOT, ign: false, engine: { externalV: 11.0 } }),
    );
    d.tick(200);
    expect(d.types().filter((t) => !t.startsWith('device.') && !t.startsWith('ignition'))).toEqual([
      'dtc.detected',
      'coolant.overheating',
      'dtc.cleared',
      'coolant.normal',
      'battery.low',
    ]);
    const [hot] = d.of('coolant.overheating');
    expect(hot!.critical).toBe(true);
    expect(hot!.time).toBe(at(10));
    expect(d.of('battery.low')[0]!.time).toBe(at(20));
    expect(d.actor.view().openAlerts).toEqual([{ type: 'battery.low', since: new Date(at(20)).toISOString() }]);
  });

  it('maintenance due by date from the shard tick while the device is quiet', () => {
    const d = new TestDevice({ settings: { maintenance: { nextDate: '2025-01-10' } } });
    d.feed(rec({ at: 0, ...DEPOT }));
    expect(d.tick(3600)).toEqual(expect.not.arrayContaining([expect.objectContaining({ type: 'maintenance.due' })]));
    const due = d.tick(5 * 86400);
    expect(due.filter((e) => e.type === 'maintenance.due')).toHaveLength(1);
    expect(d.tick(6 * 86400).filter((e) => e.type === 'maintenance.due')).toEqual([]);
    expect(T0).toBeLessThan(Date.UTC(2025, 0, 10));
  });
});
