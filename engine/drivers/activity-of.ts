import type { DriverActivity, TelemetryRecord } from '../model/index.ts';

/** At or above this speed the vehicle is moving (km/h); below, GPS drift. */
export const MOVING_KMH = 5;

/**
 * The driver's activity a record shows: the tachograph's when it reports one;
 * otherwise inferred as EU fleets do without a tachograph feed: moving with the
 * ignition on is driving, stationary with the ignition on is other work,
 * ignition off is rest. Undefined when the record cannot tell.
 */
export function activityOf(r: TelemetryRecord, knownIgnition: boolean | undefined): DriverActivity | undefined {
  if (r.tachograph?.activity) return r.tachograph.activity;
  const ignition = r.ignition ?? knownIgnition;
  if (ignition === false) return 'rest';
  const speed = r.position && r.position.valid !== false ? r.position.speedKmh : undefined;
  if (speed !== undefined && speed >= MOVING_KMH) return 'driving';
  if (ignition === true) return 'working';
  return undefined;
}

export function driverIdOf(r: TelemetryRecord): string | undefined {
  return r.driverId ?? r.tachograph?.driverId;
}
