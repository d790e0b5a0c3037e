import { z } from 'zod';
import type { DeviceId, TenantId } from '../engine/model/index.ts';
import { derivedEventId, type DerivedEvent } from './derived-event.ts';

/**
 * Every derived event type: when it is emitted, whether it is critical, and
 * the zod schema of its `data`. Machines can only emit what is listed here
 * (the emit helper is typed by this catalog) and actors/EVENTS.md is generated
 * from it (`npx tsx actors/gen-events-doc.ts`; a test fails when it is stale).
 *
 * Conventions: units in field names; times inside `data` are ISO-8601 strings
 * (the event's own `time` is epoch ms device time); absent facts are null.
 */

const num = (description: string) => z.number().describe(description);
const int = (description: string) => z.number().int().describe(description);
const str = (description: string) => z.string().describe(description);
const isoTime = (description: string) => z.string().describe(`${description} (ISO-8601, UTC)`);
const lat = () => z.number().nullable().describe('latitude, degrees (null without a fix)');
const lon = () => z.number().nullable().describe('longitude, degrees (null without a fix)');
const driverId = () => z.string().nullable().describe('driver id at the time (tachograph card, iButton, OsmAnd driverUniqueId), null if unknown');
const fuelUnit = z.enum(['L', '%']).describe('L when the device reports litres (or the tank size is set), else % of the tank');

const alarmData = z.object({
  lat: lat(),
  lon: lon(),
  speedKmh: z.number().nullable().describe('km/h'),
  driverId: driverId(),
  receivedAt: isoTime('when the platform took the alarm record in: from the event time, how long the alarm took to reach it; to the event\'s arrival, how long the platform took'),
});
const harshData = z.object({
  source: z.enum(['device', 'computed']).describe('reported by the device, or computed from speed and heading'),
  accelMs2: z.number().nullable().describe('m/s² (computed only; braking negative, cornering lateral)'),
  speedKmh: z.number().nullable().describe('km/h'),
  lat: lat(),
  lon: lon(),
  driverId: driverId(),
});

interface EventSpec<S extends z.ZodObject = z.ZodObject> {
  critical: boolean;
  /** When it is emitted and what its `time` is. */
  when: string;
  data: S;
}

const spec = <S extends z.ZodObject>(critical: boolean, when: string, data: S): EventSpec<S> => ({ critical, when, data });

export const EVENT_CATALOG = {
  // connectivity (on arrival, in arrival order)
  'device.online': spec(false, 'A record arrives after the device was offline. time = the record\'s device time.', z.object({
    offlineForS: int('receive-time silence that ended, s'),
  })),
  'device.offline': spec(false, 'A tick finds no record received for offlineAfterMs while the platform was listening (a backlog not yet applied, or intake down, does not count). time = device time of the last position (or last receive time).', z.object({
    lastSeen: isoTime('receive time of the last record'),
    silentForS: int('the configured silence, s'),
  })),
  'device.catchingup': spec(false, 'The first record received at least catchUpLagS after its device time (store-and-forward backlog). time = its device time.', z.object({
    lagS: int('receive time minus device time, s'),
  })),
  'device.caughtup': spec(false, 'The first record received on time again after a backlog. time = its device time.', z.object({
    records: int('records that arrived late during the backlog'),
    maxLagS: int('largest lag seen, s'),
    oldestTime: isoTime('oldest device time in the backlog'),
    tooLate: int('records too late to fold into history (see README, late-record policy)'),
  })),
  'position.stale': spec(false, 'Records keep arriving without a valid fix for stalePositionS. time = device time of the record that crossed it.', z.object({
    lastFixTime: isoTime('device time of the last valid fix'),
    ageS: int('age of the last fix, s'),
  })),
  // device alarms (on arrival: never wait for the reorder window)
  'alarm.panic': spec(true, 'A record carries the panic (SOS) alarm. time = its device time.', alarmData),
  'alarm.crash': spec(true, 'A record carries the crash alarm. time = its device time.', alarmData),
  'alarm.tamper': spec(false, 'A record carries the tamper alarm.', alarmData),
  'alarm.powercut': spec(false, 'A record carries the external power cut alarm.', alarmData),
  'alarm.jamming': spec(false, 'A record carries the GSM/GPS jamming alarm.', alarmData),
  'alarm.lowbattery': spec(false, 'A record carries the device\'s own low-battery alarm.', alarmData),
  'alarm.vibration': spec(false, 'A record carries the vibration alarm.', alarmData),
  // motion (in device-time order)
  'ignition.on': spec(false, 'Ignition turns on (device input, or inferred from motion). time = that record\'s device time.', z.object({
    source: z.enum(['device', 'inferred']),
    lat: lat(),
    lon: lon(),
  })),
  'ignition.off': spec(false, 'Ignition turns off. Inferred: after tripEndStopS stationary; time = when the vehicle stopped.', z.object({
    source: z.enum(['device', 'inferred']),
    lat: lat(),
    lon: lon(),
  })),
  'trip.started': spec(false, 'The vehicle moves with the ignition on (or without an ignition input). time = first moving record.', z.object({
    startTime: isoTime('trip start'),
    startLat: lat(),
    startLon: lon(),
    startOdometerKm: num('odometer at the start, km'),
    driverId: driverId(),
  })),
  'trip.ended': spec(false, 'Ignition off, tripEndStopS stationary without an ignition input, or a gap of tripGapS. time = trip end.', z.object({
    startTime: isoTime('trip start'),
    endTime: isoTime('trip end'),
    durationS: int('end minus start, s'),
    distanceKm: num('distance driven (device odometer delta, else jitter-filtered GPS), km'),
    maxSpeedKmh: num('highest reported speed, km/h'),
    avgSpeedKmh: num('distanceKm over durationS, km/h'),
    startLat: lat(),
    startLon: lon(),
    endLat: lat(),
    endLon: lon(),
    startOdometerKm: num('km'),
    endOdometerKm: num('km'),
    fuelUsed: z.number().nullable().describe('fuel used during the trip in fuelUnit, null without fuel data'),
    fuelUnit: fuelUnit.nullable(),
    idleS: int('stationary with the engine on during the trip, s'),
    stops: int('stops (stationary at least minStopS) during the trip'),
    driverId: driverId(),
    endReason: z.enum(['ignition', 'parked', 'gap']).describe('ignition: turned off; parked: stationary tripEndStopS (no ignition input); gap: no data for tripGapS'),
  })),
  'stop.started': spec(false, 'Stationary for minStopS inside a trip. time = when it stopped.', z.object({ lat: lat(), lon: lon() })),
  'stop.ended': spec(false, 'Moving again after a stop. time = the first moving record.', z.object({
    durationS: int('s'),
    lat: lat(),
    lon: lon(),
  })),
  'idling.started': spec(false, 'Engine running (device ignition input) and stationary for idlingMinS. time = when idling began.', z.object({ lat: lat(), lon: lon() })),
  'idling.ended': spec(false, 'Moving again or engine off after idling. time = that record.', z.object({ durationS: int('s') })),
  // overspeed
  'overspeed.started': spec(false, 'Over the applicable limit for overspeedMinS. time = when it went over.', z.object({
    speedKmh: num('km/h at confirmation'),
    limitKmh: num('the applicable limit: the lowest of the device limit and the limits of the geofences it is in, km/h'),
    geofenceId: z.string().nullable().describe('the geofence whose limit applies, null for the device limit'),
    lat: lat(),
    lon: lon(),
  })),
  overspeed: spec(false, 'A confirmed overspeed ends (back under the limit, or a data gap). time = when it went over.', z.object({
    maxSpeedKmh: num('km/h'),
    avgSpeedKmh: num('mean of the reported speeds while over, km/h'),
    limitKmh: num('km/h'),
    durationS: int('first to last record over the limit, s'),
    geofenceId: z.string().nullable(),
    startLat: lat(),
    startLon: lon(),
    driverId: driverId(),
  })),
  // geofences
  'geofence.entered': spec(false, 'The first position inside a geofence. time = that record.', z.object({ geofenceId: str('geofence id'), name: str('geofence name') })),
  'geofence.exited': spec(false, 'The first position outside, or the geofence was deleted while inside. time = that record (or the last position for a deletion).', z.object({
    geofenceId: str('geofence id'),
    name: str('geofence name'),
    dwellS: int('time inside, s'),
    reason: z.enum(['left', 'removed']),
  })),
  // engine health
  'dtc.detected': spec(false, 'A diagnostic trouble code appears in the reported list. time = that record.', z.object({ code: str('OBD-II / J1939 code as reported') })),
  'dtc.cleared': spec(false, 'A code disappears from the reported list.', z.object({ code: str('code'), activeS: int('how long it was active, s') })),
  'coolant.overheating': spec(true, 'Coolant at or above coolantMaxC. time = that record.', z.object({ coolantC: num('°C'), thresholdC: num('°C') })),
  'coolant.normal': spec(false, 'Coolant 5 °C under coolantMaxC again.', z.object({ peakC: num('°C'), durationS: int('s') })),
  'battery.low': spec(false, 'Vehicle supply voltage under lowBatteryV for batteryLowMinS. time = when it fell under.', z.object({
    voltageV: num('V at confirmation'),
    thresholdV: num('V'),
    durationS: int('s so far'),
  })),
  'battery.normal': spec(false, 'Voltage at least 0.3 V over lowBatteryV again.', z.object({ minV: num('lowest V'), durationS: int('s') })),
  'maintenance.due': spec(false, 'The odometer or engine hours cross the next multiple of everyKm / everyEngineHours, or the date reaches nextDate (by record device time or tick). time = that record / the date.', z.object({
    reason: z.enum(['distance', 'engineHours', 'date']),
    dueAtKm: z.number().nullable().describe('km mark crossed'),
    dueAtEngineHours: z.number().nullable().describe('engine-hour mark crossed, h'),
    dueDate: z.string().nullable().describe('ISO date'),
    odometerKm: z.number().nullable().describe('km'),
    engineHours: z.number().nullable().describe('h'),
  })),
  // cold chain
  'coldchain.excursion': spec(true, 'A probe out of temperatureRangeC for excursionMinS. time = when it left the range.', z.object({
    probe: str('probe name'),
    direction: z.enum(['above', 'below']),
    tempC: num('°C at confirmation'),
    peakC: num('most extreme °C so far'),
    durationS: int('out of range so far, s'),
    minC: num('range minimum, °C'),
    maxC: num('range maximum, °C'),
  })),
  'coldchain.recovered': spec(false, 'A confirmed excursion ends (back inside the range by excursionHysteresisC). time = that record.', z.object({
    probe: str('probe name'),
    direction: z.enum(['above', 'below']),
    peakC: num('most extreme °C'),
    durationS: int('from leaving the range to the first reading back inside, s'),
  })),
  // tyres
  'tyre.pressure.low': spec(false, 'A wheel under tyreMinKpa, or tyreLowPct under its learned nominal pressure.', z.object({
    wheel: str('wheel position as reported'),
    pressureKpa: num('kPa'),
    thresholdKpa: num('kPa'),
  })),
  'tyre.pressure.normal': spec(false, 'The wheel 5 % over the threshold again.', z.object({ wheel: str('wheel'), pressureKpa: num('kPa'), minKpa: num('lowest kPa'), durationS: int('s') })),
  'tyre.leak': spec(false, 'Pressure falling at least tyreLeakKpaPerMin (and 10 kPa) between two readings.', z.object({
    wheel: str('wheel'),
    pressureKpa: num('kPa now'),
    dropKpa: num('kPa lost since the previous reading'),
    kpaPerMin: num('kPa/min'),
  })),
  // doors
  'door.opened.moving': spec(false, 'A door opens while the vehicle moves.', z.object({ door: str('door name'), speedKmh: num('km/h'), lat: lat(), lon: lon() })),
  'door.opened.outside': spec(false, 'A door opens outside every geofence with doorsAllowed=true, or inside one with doorsAllowed=false.', z.object({
    door: str('door name'),
    geofenceId: z.string().nullable().describe('the doorsAllowed=false fence it is in, else null'),
    lat: lat(),
    lon: lon(),
  })),
  // overload
  overload: spec(false, 'Summed axle loads over maxWeightKg for overloadMinS. time = when it went over.', z.object({
    weightKg: num('kg at confirmation'),
    maxWeightKg: num('kg'),
    overKg: num('kg over'),
    durationS: int('s so far'),
  })),
  'overload.cleared': spec(false, 'Weight 2 % under maxWeightKg again.', z.object({ peakKg: num('kg'), durationS: int('s') })),
  // fuel
  'fuel.drop': spec(false, 'The level falls by fuelDropL (fuelDropPct) while parked: possible theft. time = that record.', z.object({
    from: num('level before'),
    to: num('level now'),
    drop: num('from minus to'),
    unit: fuelUnit,
    lat: lat(),
    lon: lon(),
  })),
  'fuel.refuel': spec(false, 'The level rises by fuelDropL (fuelDropPct).', z.object({ from: num('lowest level before'), to: num('level now'), added: num('to minus from'), unit: fuelUnit, lat: lat(), lon: lon() })),
  'fuel.daily': spec(false, 'The first record of a new UTC day closes the previous day. time = that record.', z.object({
    date: str('the closed UTC day, YYYY-MM-DD'),
    fuelUsed: z.number().nullable().describe('fuel used that day in unit (device counter, else level decreases), null without fuel data'),
    unit: fuelUnit.nullable(),
    distanceKm: num('km driven that day'),
  })),
  // driver behaviour
  'harsh.braking': spec(false, 'Device harsh-braking alarm, or deceleration ≥ harshBrakingMs2 between close records.', harshData),
  'harsh.acceleration': spec(false, 'Device harsh-acceleration alarm, or acceleration ≥ harshAccelerationMs2.', harshData),
  'harsh.cornering': spec(false, 'Device harsh-cornering alarm, or lateral acceleration ≥ harshCorneringMs2.', harshData),
  'driver.changed': spec(false, 'A record names a different driver than the current one. time = that record.', z.object({
    from: z.string().nullable().describe('previous driver id'),
    to: str('new driver id'),
  })),
  'driver.score': spec(false, 'The driver changes: the closing session\'s score. time = the change.', z.object({
    driverId: driverId(),
    score: int('0-100, see actors/driver-behaviour.ts'),
    distanceKm: num('km driven in the session'),
    braking: int('harsh braking count'),
    acceleration: int('harsh acceleration count'),
    cornering: int('harsh cornering count'),
    overspeedS: int('s over the limit'),
    fromTime: isoTime('session start'),
    toTime: isoTime('session end'),
  })),
  // driving time (EU 561/2006): derived per driver by the driver lane (engine/drivers/), not by the device actor
  'driver.infringement': spec(true, 'A driver breaks a rule of EU Regulation 561/2006 (actors/driving-time/). time = when the limit was passed; deviceId = the vehicle of the sample that revealed it.', z.object({
    driverId: driverId(),
    rule: str('continuous-driving, daily-driving, daily-driving-extension, weekly-driving, fortnight-driving, daily-rest, reduced-daily-rests, weekly-rest, weekly-rest-reduced, weekly-rest-compensation'),
    overByS: int('how far over the limit, s, when first found'),
    article: str('the article of the regulation'),
    detail: str('what was found, for a person'),
    ongoing: z.boolean().describe('true while it can still grow (the driver is still over the limit)'),
  })),
} as const satisfies Record<string, EventSpec>;

export type EventType = keyof typeof EVENT_CATALOG;
export type EventData<T extends EventType> = z.infer<(typeof EVENT_CATALOG)[T]['data']>;
export const EVENT_TYPES = Object.keys(EVENT_CATALOG) as EventType[];

export function isCritical(type: string): boolean {
  return (EVENT_CATALOG as Record<string, EventSpec>)[type]?.critical ?? false;
}

/** Validate a derived event's data against its type's schema (tests, and integrators who want to). */
export function parseEventData(type: string, data: unknown): { success: true } | { success: false; error: string } {
  const s = (EVENT_CATALOG as Record<string, EventSpec>)[type];
  if (!s) return { success: false, error: `unknown event type ${type}` };
  const r = s.data.strict().safeParse(data);
  return r.success ? { success: true } : { success: false, error: r.error.message };
}

/** An event a pure step wants emitted; the machine adds tenant, device, id and critical. */
export interface Out<T extends EventType = EventType> {
  type: T;
  /** Device time at which it happened, epoch ms. */
  time: number;
  /** Identifies the input that caused it (record id, episode start id...): same input, same id. */
  cause: string;
  /** The type's data; typed per type where the type is known (`out()` checks it), a plain record otherwise. */
  data: EventType extends T ? Record<string, unknown> : EventData<T>;
}

export function out<T extends EventType>(type: T, time: number, cause: string, data: EventData<T>): Out {
  return { type, time, cause, data } as Out;
}

/** The event one device's `Out` becomes, wherever it is derived (actor, urgent lane, adapters): same input, same id. */
export function toDerivedEvent(tenantId: TenantId, deviceId: DeviceId, o: Out): DerivedEvent {
  return {
    id: derivedEventId(tenantId, deviceId, o.type, o.cause),
    type: o.type,
    tenantId,
    deviceId,
    time: o.time,
    critical: isCritical(o.type),
    data: o.data as DerivedEvent['data'],
  };
}
