import { Rng } from './random.ts';
import type { VehicleState } from './vehicle.ts';

/**
 * What a vehicle carries besides its tracker, and how the readings evolve
 * with the vehicle's own state (ignition, speed, distance): an OBD-II dongle
 * or CAN reader (rpm, coolant, fuel used and level), reefer temperature
 * probes, and a tachograph / iButton driver id. Pure and seeded: the same
 * seed and the same sequence of steps give the same readings.
 */

export interface SensorProfile {
  obd: boolean;
  /** Setpoints of the reefer probes (°C); empty when the vehicle has none. */
  probeSetpointsC: number[];
  /** Driver ids this vehicle's drivers log in with (tachograph card or iButton); empty when none. */
  drivers: string[];
  /** 24 V truck or 12 V van/car electrics. */
  nominalMv: number;
}

export interface SensorReadings {
  externalMv: number;
  batteryMv: number;
  obd?: { rpm: number; coolantC: number; fuelUsedL: number; fuelLevelPct: number };
  probesC?: number[];
  driverId?: string;
}

/** Which sensors a device of this protocol can carry: GT06 units are bare trackers, phones (OsmAnd) rarely have probes. */
export function chooseProfile(rng: Rng, protocol: 'osmand' | 'teltonika' | 'gt06'): SensorProfile {
  const truck = rng.chance(0.55);
  const richer = protocol === 'teltonika';
  const obd = protocol !== 'gt06' && rng.chance(richer ? 0.5 : 0.3);
  const probes = protocol !== 'gt06' && rng.chance(richer ? 0.25 : 0.08) ? (rng.chance(0.4) ? [-18, -18] : [4]) : [];
  const tacho = protocol !== 'gt06' && rng.chance(richer ? 0.4 : 0.3);
  const drivers: string[] = [];
  if (tacho) {
    for (let i = 0; i < 2; i++) {
      let hex = '';
      for (let b = 0; b < 8; b++) hex += (0x10 + rng.int(0xef)).toString(16).toUpperCase();
      drivers.push(hex);
    }
  }
  return { obd, probeSetpointsC: probes, drivers, nominalMv: truck ? 24_000 : 12_000 };
}

export class SensorState {
  private readonly rng: Rng;
  coolantC: number;
  fuelUsedL: number;
  fuelLevelPct: number;
  tankL: number;
  rpm = 0;
  probesC: number[];
  driverIndex = 0;
  private wasIgnition: boolean;
  private lastOdometerM: number;

  constructor(
    readonly profile: SensorProfile,
    seed: number,
    vehicle: VehicleState,
  ) {
    this.rng = new Rng(seed);
    this.coolantC = vehicle.ignition ? 85 : 12 + this.rng.range(-4, 6);
    this.fuelUsedL = Math.floor(this.rng.range(1_000, 90_000));
    this.fuelLevelPct = this.rng.range(25, 95);
    this.tankL = profile.nominalMv > 12_000 ? 400 : 70;
    this.probesC = profile.probeSetpointsC.map((s) => s + this.rng.range(-1, 1));
    this.wasIgnition = vehicle.ignition;
    this.lastOdometerM = vehicle.odometerM;
  }

  /** Advance the readings by dtS seconds of the vehicle's life. */
  update(v: VehicleState, dtS: number): void {
    const r = this.rng;
    const ambient = 12;
    if (v.ignition) {
      this.coolantC += Math.min(2.5 * dtS, (90 - this.coolantC) * 0.02 * dtS) + r.gauss() * 0.05;
      const idleRpm = 720 + r.range(-30, 30);
      this.rpm = v.speedKmh > 0 ? Math.min(2600, 1050 + v.speedKmh * 18 + r.range(-120, 120)) : idleRpm;
      const distKm = Math.max(0, v.odometerM - this.lastOdometerM) / 1000;
      const used = (1.6 * dtS) / 3600 + distKm * (this.tankL > 100 ? 0.32 : 0.08);
      this.fuelUsedL += used;
      this.fuelLevelPct = Math.max(0, this.fuelLevelPct - (used / this.tankL) * 100);
    } else {
      this.coolantC += (ambient - this.coolantC) * Math.min(1, 0.0015 * dtS);
      this.rpm = 0;
    }
    this.lastOdometerM = v.odometerM;
    if (!this.wasIgnition && v.ignition) {
      // A new shift: sometimes the other driver, sometimes a refuelled tank.
      if (this.profile.drivers.length > 1 && r.chance(0.15)) this.driverIndex = 1 - this.driverIndex;
      if (this.fuelLevelPct < 20) this.fuelLevelPct = r.range(85, 99);
    }
    this.wasIgnition = v.ignition;
    for (let i = 0; i < this.probesC.length; i++) {
      const set = this.profile.probeSetpointsC[i]!;
      // The reefer holds the setpoint while the engine runs and drifts to ambient without it;
      // a door left open at a delivery is a short excursion.
      const toward = v.ignition ? set : ambient;
      const rate = v.ignition ? 0.01 : 0.0007;
      let t = this.probesC[i]! + (toward - this.probesC[i]!) * Math.min(1, rate * dtS) + r.gauss() * 0.03;
      if (v.phase === 'arriving' && r.chance(dtS / 60)) t += r.range(1, 4);
      this.probesC[i] = t;
    }
  }

  read(v: VehicleState): SensorReadings {
    const nominal = this.profile.nominalMv;
    const out: SensorReadings = {
      externalMv: Math.round(v.ignition ? nominal * 1.17 : nominal * 1.04),
      batteryMv: 4100,
    };
    if (this.profile.obd) {
      out.obd = {
        rpm: Math.round(this.rpm),
        coolantC: Math.round(this.coolantC),
        fuelUsedL: Math.round(this.fuelUsedL * 1000) / 1000,
        fuelLevelPct: Math.round(this.fuelLevelPct),
      };
    }
    if (this.probesC.length > 0) out.probesC = this.probesC.map((t) => Math.round(t * 10) / 10);
    if (this.profile.drivers.length > 0 && v.ignition) out.driverId = this.profile.drivers[this.driverIndex];
    return out;
  }
}
