import type { Alarm } from '../../engine/model/index.ts';

/**
 * Teltonika IO ids mapped onto the internal model, as data: one table per
 * device family. record-mapper/io-apply interpret the rules; adding an id is
 * a one-line change here. Ids not in the table are kept as `io<id>`
 * attributes, never dropped.
 *
 * Sources: Teltonika wiki "FMB… Teltonika Data Sending Parameters ID" pages
 * (permanent, eventual and OBD element tables, firmware 03.29) and
 * "Template:CAN I/O standard elements" (FMx150 family). Vendor multipliers
 * (0.001, 0.1…) are written as divisors so the result is the nearest double
 * (24.08, not 24.080000000000002).
 */

/** Numeric fields of `engine` an IO value can fill. */
export type EngineNumberField =
  | 'engine.rpm'
  | 'engine.coolantC'
  | 'engine.fuelLevelPct'
  | 'engine.fuelLevelL'
  | 'engine.fuelUsedL'
  | 'engine.odometerM'
  | 'engine.engineHoursS'
  | 'engine.batteryV'
  | 'engine.externalV';

interface RuleBase {
  /** AVL property id. */
  id: number;
  /** The vendor's name for it, for whoever reads this table. */
  name: string;
}

export type IoRule = RuleBase &
  (
    | { field: 'ignition' | 'moving' } // non-zero means true
    | { field: EngineNumberField | 'position.hdop'; divisor?: number; signed?: boolean }
    | { field: 'attribute'; key: string; divisor?: number; signed?: boolean }
    /** Raw values listed in `errorValues` are the sensor's error codes, not temperatures. */
    | { field: 'probe'; probe: string; divisor: number; signed: true; errorValues: readonly number[] }
    /** Bytes as upper-case hex; all zero means no key is attached. */
    | { field: 'driverId' }
    /** ASCII list of trouble codes separated by commas or spaces. */
    | { field: 'engine.dtcs' }
    /** A string alarm fires on any non-zero value; a map picks the alarm by value. */
    | { field: 'alarm'; alarm: Alarm | Readonly<Record<number, Alarm>> }
  );

/**
 * Dallas temperature error codes (raw, i.e. tenths of °C would read 85.0,
 * 200.0, 300.0…): 850 sensor not ready (the DS18B20 power-on value),
 * 2000 value read error, 3000 not connected, 4000 ID failed, 5000 same as 850.
 */
export const DALLAS_ERROR_VALUES: readonly number[] = [850, 2000, 3000, 4000, 5000];

function dallas(id: number, n: number): IoRule {
  return { id, name: `Dallas Temperature ${n}`, field: 'probe', probe: `dallas${n}`, divisor: 10, signed: true, errorValues: DALLAS_ERROR_VALUES };
}

/** FMB/FMC/FMM family (FMB920, FMB120, FMB130, FMC130, FMB003 OBD…): the default. */
export const FMB_IO_RULES: readonly IoRule[] = [
  // Permanent I/O elements
  { id: 239, name: 'Ignition', field: 'ignition' },
  { id: 240, name: 'Movement', field: 'moving' },
  { id: 66, name: 'External Voltage (mV)', field: 'engine.externalV', divisor: 1000 },
  { id: 67, name: 'Battery Voltage (mV)', field: 'engine.batteryV', divisor: 1000 },
  { id: 16, name: 'Total Odometer (m)', field: 'engine.odometerM' },
  { id: 199, name: 'Trip Odometer (m)', field: 'attribute', key: 'tripOdometerM' },
  { id: 182, name: 'GNSS HDOP (x0.1)', field: 'position.hdop', divisor: 10 },
  { id: 181, name: 'GNSS PDOP (x0.1)', field: 'attribute', key: 'pdop', divisor: 10 },
  { id: 21, name: 'GSM Signal (1-5)', field: 'attribute', key: 'gsmSignal' },
  { id: 12, name: 'Fuel Used GPS (x0.001 l)', field: 'engine.fuelUsedL', divisor: 1000 },
  { id: 13, name: 'Fuel Rate GPS (x0.01 l/100km)', field: 'attribute', key: 'fuelRateGpsL100km', divisor: 100 },
  dallas(72, 1),
  dallas(73, 2),
  dallas(74, 3),
  dallas(75, 4),
  { id: 78, name: 'iButton', field: 'driverId' },
  // Eventual I/O elements
  { id: 247, name: 'Crash detection', field: 'alarm', alarm: 'crash' },
  { id: 253, name: 'Green driving type', field: 'alarm', alarm: { 1: 'harshAcceleration', 2: 'harshBraking', 3: 'harshCornering' } },
  { id: 252, name: 'Unplug (external power lost)', field: 'alarm', alarm: 'powerCut' },
  { id: 249, name: 'Jamming', field: 'alarm', alarm: 'jamming' },
  // OBD elements (FMB001/FMB003/FMC003…, OBD-II dongle models)
  { id: 30, name: 'Number of DTC', field: 'attribute', key: 'dtcCount' },
  { id: 31, name: 'Engine Load (%)', field: 'attribute', key: 'engineLoadPct' },
  { id: 32, name: 'Coolant Temperature (°C)', field: 'engine.coolantC', signed: true },
  { id: 36, name: 'Engine RPM', field: 'engine.rpm' },
  { id: 281, name: 'Fault Codes', field: 'engine.dtcs' },
];

/** FMx150/FMx250 with the CAN chip: FMB ids plus "CAN I/O standard elements". */
export const FMX150_IO_RULES: readonly IoRule[] = [
  ...FMB_IO_RULES,
  { id: 115, name: 'Engine Coolant Temperature (x0.1 °C)', field: 'engine.coolantC', divisor: 10, signed: true },
  { id: 85, name: 'Engine Speed (rpm)', field: 'engine.rpm' },
  { id: 89, name: 'Fuel Level (%)', field: 'engine.fuelLevelPct' },
  { id: 84, name: 'Fuel Level (x0.1 l)', field: 'engine.fuelLevelL', divisor: 10 },
  { id: 81, name: 'Vehicle Speed (km/h)', field: 'attribute', key: 'canSpeedKmh' },
  // The CAN odometer stays apart from engine.odometerM, which IO 16 (the
  // device's own GPS odometer) fills, so the two never overwrite each other.
  { id: 87, name: 'Total Mileage (m)', field: 'attribute', key: 'canTotalMileageM' },
];

export type IoFamily = 'fmb' | 'fmx150';

export interface IoTable {
  readonly family: IoFamily;
  readonly rules: ReadonlyMap<number, IoRule>;
}

export function compileIoTable(family: IoFamily, rules: readonly IoRule[]): IoTable {
  const byId = new Map<number, IoRule>();
  for (const rule of rules) {
    if (byId.has(rule.id)) throw new Error(`IO id ${rule.id} appears twice in the ${family} table`);
    byId.set(rule.id, rule);
  }
  return { family, rules: byId };
}

export const IO_TABLES: Readonly<Record<IoFamily, IoTable>> = {
  fmb: compileIoTable('fmb', FMB_IO_RULES),
  fmx150: compileIoTable('fmx150', FMX150_IO_RULES),
};

export const DEFAULT_IO_FAMILY: IoFamily = 'fmb';
