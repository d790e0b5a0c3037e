import type { DeviceSettings } from './device-settings.ts';
import { out, type Out } from './events.ts';
import { isoDay, round, utcDay } from './geo.ts';
import type { Sample } from './sample.ts';
import type { Track } from './track.ts';

/**
 * Fuel: a sudden fall of the level while parked (possible theft), refuels,
 * and consumption per UTC day (`fuel.daily`, with the distance driven).
 * Consumption itself is the track's cumulative fuelUsed (device counter, else
 * level decreases past a noise band), so trips and days read the same number.
 */
export interface FuelSlice {
  /** Highest level since the vehicle parked (null while not parked). */
  hi: number | null;
  /** Lowest level since the last refuel. */
  lo: number | null;
  /** The open UTC day (-1: none), and the cumulative fuel and odometer at its start. */
  day: number;
  dayFuel0: number | null;
  dayOdo0M: number;
}

export const initialFuel = (): FuelSlice => ({ hi: null, lo: null, day: -1, dayFuel0: null, dayOdo0M: 0 });

export const isParked = (c: Track): boolean => !c.mov && c.ign !== true;

export function fuelStep(f: FuelSlice, s: Sample, p: Track, c: Track, cfg: DeviceSettings): { slice: FuelSlice; out: Out[] } {
  const events: Out[] = [];
  let next = f;

  // the day
  const day = utcDay(c.t);
  if (next.day < 0) next = { ...next, day, dayFuel0: c.fuelUsed, dayOdo0M: c.odoM };
  else if (day > next.day) {
    const fuelUsed = p.fuelUsed !== null && next.dayFuel0 !== null ? round(Math.max(0, p.fuelUsed - next.dayFuel0), 2) : null;
    const distanceKm = round(Math.max(0, p.odoM - next.dayOdo0M) / 1000, 3);
    if (distanceKm > 0 || (fuelUsed ?? 0) > 0) {
      const date = isoDay(next.day);
      events.push(out('fuel.daily', c.t, `day:${date}`, { date, fuelUsed, unit: fuelUsed === null ? null : p.fuelUnit, distanceKm }));
    }
    next = { ...next, day, dayFuel0: p.fuelUsed ?? c.fuelUsed, dayOdo0M: p.odoM };
  } else if (next.dayFuel0 === null && c.fuelUsed !== null) next = { ...next, dayFuel0: c.fuelUsed };

  // level events
  const reported = s.x?.fuelL !== undefined || s.x?.fuelPct !== undefined;
  const level = c.fuelLevel;
  if (reported && level !== null && c.fuelUnit !== null) {
    const unit = c.fuelUnit;
    const thr = unit === 'L' ? cfg.fuelDropL : cfg.fuelDropPct;
    let hi = isParked(c) ? Math.max(next.hi ?? level, level) : null;
    let lo = Math.min(next.lo ?? level, level);
    if (hi !== null && hi - level >= thr) {
      events.push(out('fuel.drop', s.t, s.id, { from: round(hi, 2), to: round(level, 2), drop: round(hi - level, 2), unit, lat: c.lat, lon: c.lon }));
      hi = level;
    }
    if (level - lo >= thr) {
      events.push(out('fuel.refuel', s.t, s.id, { from: round(lo, 2), to: round(level, 2), added: round(level - lo, 2), unit, lat: c.lat, lon: c.lon }));
      lo = level;
    }
    if (hi !== next.hi || lo !== next.lo) next = { ...next, hi, lo };
  } else if (!isParked(c) && next.hi !== null) next = { ...next, hi: null };
  return { slice: next, out: events };
}
