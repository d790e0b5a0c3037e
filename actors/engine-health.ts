import type { DeviceSettings } from './device-settings.ts';
import { exact, none } from './empty.ts';
import { durationS, stepEpisode, type Episode, type EpisodeStep } from './episode.ts';
import { out, type Out } from './events.ts';
import { round } from './geo.ts';
import type { Sample } from './sample.ts';
import type { Track } from './track.ts';

/**
 * Engine health: DTC codes appearing and clearing, coolant overheating
 * (critical), low supply voltage, and maintenance due by distance, engine
 * hours or date. Engine hours and the odometer come from the track.
 */
export interface ActiveDtc {
  code: string;
  /** Device time it first appeared. */
  t: number;
}

export interface MaintenanceSlice {
  /** Last km mark passed (floor(odometer / everyKm)) and the everyKm it was counted for; null until first seen. */
  kmMark: number | null;
  kmEvery: number | null;
  hMark: number | null;
  hEvery: number | null;
  /** The nextDate already reported. */
  dateDone: string | null;
}

export interface HealthSlice {
  dtcs: ActiveDtc[];
  coolant: Episode | null;
  battery: Episode | null;
  maintenance: MaintenanceSlice;
}

export const initialHealth = (): HealthSlice => ({
  dtcs: none(),
  coolant: null,
  battery: null,
  maintenance: { kmMark: null, kmEvery: null, hMark: null, hEvery: null, dateDone: null },
});

/** Coolant clears this far under the threshold. */
export const COOLANT_HYSTERESIS_C = 5;
/** Voltage recovers this far over the threshold. */
export const BATTERY_HYSTERESIS_V = 0.3;
/** Supply readings under this are "no supply reading" (no input wired, or a power cut, which alarms report). */
export const MIN_SUPPLY_V = 1;

// ---- DTCs ----

export function dtcChanges(active: ActiveDtc[], s: Sample): boolean {
  const now = s.x?.dtcs;
  if (!now) return false;
  return now.length !== active.length || active.some((d) => !now.includes(d.code));
}

export function updateDtcs(active: ActiveDtc[], s: Sample): { dtcs: ActiveDtc[]; out: Out[] } {
  const now = s.x?.dtcs;
  if (!now) return { dtcs: active, out: [] };
  const events: Out[] = [];
  const next: ActiveDtc[] = [];
  for (const d of active) {
    if (now.includes(d.code)) next.push(d);
    else events.push(out('dtc.cleared', s.t, `${s.id}/${d.code}`, { code: d.code, activeS: durationS(d.t, s.t) }));
  }
  for (const code of new Set(now)) {
    if (active.some((d) => d.code === code)) continue;
    next.push({ code, t: s.t });
    events.push(out('dtc.detected', s.t, `${s.id}/${code}`, { code }));
  }
  return { dtcs: exact(next), out: events };
}

// ---- coolant ----

export function coolantStep(ep: Episode | null, s: Sample, cfg: DeviceSettings): EpisodeStep | null {
  if (s.x?.coolantC === undefined) return null;
  return stepEpisode(ep, { id: s.id, t: s.t, value: s.x?.coolantC, bad: s.x?.coolantC >= cfg.coolantMaxC, clear: s.x?.coolantC < cfg.coolantMaxC - COOLANT_HYSTERESIS_C }, 0);
}

export function coolantEvents(st: EpisodeStep, s: Sample, cfg: DeviceSettings): Out[] {
  const events: Out[] = [];
  if (st.ended) events.push(out('coolant.normal', s.t, st.ended.id, { peakC: st.ended.peak, durationS: durationS(st.ended.t0, s.t) }));
  if (st.confirmed) events.push(out('coolant.overheating', st.confirmed.t0, st.confirmed.id, { coolantC: s.x?.coolantC!, thresholdC: cfg.coolantMaxC }));
  return events;
}

// ---- battery ----

export function batteryStep(ep: Episode | null, s: Sample, cfg: DeviceSettings): EpisodeStep | null {
  if (s.x?.supplyV === undefined || s.x?.supplyV < MIN_SUPPLY_V) return null;
  const v = s.x?.supplyV;
  return stepEpisode(ep, { id: s.id, t: s.t, value: v, bad: v < cfg.lowBatteryV, clear: v >= cfg.lowBatteryV + BATTERY_HYSTERESIS_V }, cfg.batteryLowMinS, true);
}

export function batteryEvents(st: EpisodeStep, s: Sample, cfg: DeviceSettings): Out[] {
  const events: Out[] = [];
  if (st.ended) events.push(out('battery.normal', s.t, st.ended.id, { minV: st.ended.peak, durationS: durationS(st.ended.t0, s.t) }));
  if (st.confirmed)
    events.push(out('battery.low', st.confirmed.t0, st.confirmed.id, { voltageV: s.x?.supplyV!, thresholdV: cfg.lowBatteryV, durationS: durationS(st.confirmed.t0, s.t) }));
  return events;
}

// ---- maintenance ----

function dateMs(isoDate: string): number {
  return Date.parse(`${isoDate}T00:00:00Z`);
}

/**
 * Maintenance marks. The first evaluation under a setting only records where
 * the vehicle is (a device configured at 123,456 km with everyKm 15,000 is
 * not told it passed 120,000 km); the next mark crossed is reported.
 */
export function maintenanceStep(m: MaintenanceSlice, c: Track, cfg: DeviceSettings): { maintenance: MaintenanceSlice; out: Out[] } {
  const plan = cfg.maintenance;
  const events: Out[] = [];
  let next = m;
  const odoKm = c.odoM / 1000;
  const hours = c.engineS / 3600;
  const common = { odometerKm: round(odoKm, 1), engineHours: round(hours, 1) };
  if (plan?.everyKm) {
    const mark = Math.floor(odoKm / plan.everyKm);
    if (next.kmMark === null || next.kmEvery !== plan.everyKm) next = { ...next, kmMark: mark, kmEvery: plan.everyKm };
    else if (mark > next.kmMark) {
      const at = mark * plan.everyKm;
      events.push(out('maintenance.due', c.t, `km:${at}`, { reason: 'distance', dueAtKm: at, dueAtEngineHours: null, dueDate: null, ...common }));
      next = { ...next, kmMark: mark };
    }
  }
  if (plan?.everyEngineHours) {
    const mark = Math.floor(hours / plan.everyEngineHours);
    if (next.hMark === null || next.hEvery !== plan.everyEngineHours) next = { ...next, hMark: mark, hEvery: plan.everyEngineHours };
    else if (mark > next.hMark) {
      const at = mark * plan.everyEngineHours;
      events.push(out('maintenance.due', c.t, `h:${at}`, { reason: 'engineHours', dueAtKm: null, dueAtEngineHours: at, dueDate: null, ...common }));
      next = { ...next, hMark: mark };
    }
  }
  const date = maintenanceDateStep(next, c.t, cfg, c);
  return { maintenance: date.maintenance, out: [...events, ...date.out] };
}

/** When the planned maintenance date falls due (epoch ms): never when none is planned or it was reported. */
export function maintenanceDateDueAt(m: MaintenanceSlice, cfg: DeviceSettings): number {
  const date = cfg.maintenance?.nextDate;
  return !date || m.dateDone === date ? Infinity : dateMs(date);
}

/** Date-based: by a record's device time, or by a tick's clock when the device is quiet. */
export function maintenanceDateStep(m: MaintenanceSlice, now: number, cfg: DeviceSettings, c: Track | null): { maintenance: MaintenanceSlice; out: Out[] } {
  const date = cfg.maintenance?.nextDate;
  if (!date || now < maintenanceDateDueAt(m, cfg)) return { maintenance: m, out: [] };
  return {
    maintenance: { ...m, dateDone: date },
    out: [
      out('maintenance.due', dateMs(date), `date:${date}`, {
        reason: 'date',
        dueAtKm: null,
        dueAtEngineHours: null,
        dueDate: date,
        odometerKm: c ? round(c.odoM / 1000, 1) : null,
        engineHours: c ? round(c.engineS / 3600, 1) : null,
      }),
    ],
  };
}
