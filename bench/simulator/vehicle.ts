import { Rng } from './random.ts';

/**
 * A simulated vehicle, pure: advance(dtS) moves it along waypoints around a
 * depot city with a speed profile (pull away, cruise with some wobble, stop
 * at traffic lights, brake for the waypoint), and an ignition cycle around
 * each stop: idle before pulling away, idle a little after arriving, then
 * ignition off and parked for minutes to hours. It says when it is due to
 * report: trackers report often while the ignition is on, rarely while
 * parked, and at once when the ignition changes (as Teltonika's eventual IO
 * records do). Everything random comes from the seed.
 */

export interface City {
  name: string;
  lat: number;
  lon: number;
  altitudeM: number;
}

export const DEPOTS: City[] = [
  { name: 'Rotterdam', lat: 51.92, lon: 4.48, altitudeM: 0 },
  { name: 'Hamburg', lat: 53.55, lon: 9.99, altitudeM: 8 },
  { name: 'Lyon', lat: 45.76, lon: 4.84, altitudeM: 175 },
  { name: 'Milan', lat: 45.46, lon: 9.19, altitudeM: 120 },
  { name: 'Warsaw', lat: 52.23, lon: 21.01, altitudeM: 100 },
  { name: 'Madrid', lat: 40.42, lon: -3.7, altitudeM: 650 },
  { name: 'Prague', lat: 50.08, lon: 14.43, altitudeM: 235 },
  { name: 'Antwerp', lat: 51.22, lon: 4.4, altitudeM: 10 },
];

export type VehiclePhase = 'parked' | 'warming' | 'driving' | 'traffic-stop' | 'arriving';

export interface VehicleState {
  id: string;
  lat: number;
  lon: number;
  altitudeM: number;
  speedKmh: number;
  headingDeg: number;
  ignition: boolean;
  satellites: number;
  /** Seconds left parked. */
  parkedS: number;
  target: { lat: number; lon: number };
  cruiseKmh: number;
  /**
   * How far along the current reporting interval is, as a fraction (due at 1).
   * A fraction rather than seconds, so a fleet's reports stay spread over the
   * whole interval whatever the rate scale: with seconds since the last report,
   * started within 5 s of each other and intervals stretched to a minute (rate
   * x0.15), a 100,000-device fleet reported in waves, several seconds at
   * 4,000 records/s and then nearly nothing.
   */
  reportProgress: number;
  phase: VehiclePhase;
  /** Seconds left in the current warming / traffic-stop / arriving phase. */
  phaseS: number;
  odometerM: number;
  /** Seconds the engine has run (ignition on). */
  engineS: number;
}

const EARTH_M = 6_371_000;
const rad = (d: number) => (d * Math.PI) / 180;
const deg = (r: number) => (r * 180) / Math.PI;

export function distanceM(a: { lat: number; lon: number }, b: { lat: number; lon: number }): number {
  const dLat = rad(b.lat - a.lat);
  const dLon = rad(b.lon - a.lon);
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(rad(a.lat)) * Math.cos(rad(b.lat)) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_M * Math.asin(Math.sqrt(h));
}

function bearingDeg(a: { lat: number; lon: number }, b: { lat: number; lon: number }): number {
  const y = Math.sin(rad(b.lon - a.lon)) * Math.cos(rad(b.lat));
  const x = Math.cos(rad(a.lat)) * Math.sin(rad(b.lat)) - Math.sin(rad(a.lat)) * Math.cos(rad(b.lat)) * Math.cos(rad(b.lon - a.lon));
  return (deg(Math.atan2(y, x)) + 360) % 360;
}

/** The area a depot's vehicles drive in: degrees of latitude and longitude around it. */
const AREA_LAT = 0.6;
const AREA_LON = 0.9;
/** Phase lengths in seconds, drawn uniformly from [min, max]. */
const SHORT_PARK_S = [120, 1020] as const;
const LONG_PARK_S = [3600, 4 * 3600] as const;
const LONG_PARK_SHARE = 0.12;
const WARMING_S = [15, 105] as const;
const ARRIVING_S = [10, 50] as const;
const mean = ([a, b]: readonly [number, number]) => (a + b) / 2;
const uniform = ([a, b]: readonly [number, number], u: number) => a + u * (b - a);
const MEAN_PARK_S = LONG_PARK_SHARE * mean(LONG_PARK_S) + (1 - LONG_PARK_SHARE) * mean(SHORT_PARK_S);
/**
 * A drive's mean length, from pulling away to arriving: legs until one ends
 * at a stop (35 %), traffic stops included. It follows from distances and
 * speeds, so it is measured: determinism.test.ts checks it against a fleet.
 */
export const MEAN_DRIVE_S = 5200;
const CYCLE_S = MEAN_PARK_S + mean(WARMING_S) + MEAN_DRIVE_S + mean(ARRIVING_S);
/** The share of its time a vehicle has the ignition on, once its fleet is in its steady mix. */
export const IGNITION_ON_SHARE = 1 - MEAN_PARK_S / CYCLE_S;
/** A bound on a leg's hours, for drawing legs by their length: the longest depot area's diagonal on a motorway, or 25 km in town. */
const LONGEST_LEG_H = Math.max(
  25 / 35,
  ...DEPOTS.map((d) => distanceM({ lat: d.lat - AREA_LAT / 2, lon: d.lon - AREA_LON / 2 }, { lat: d.lat + AREA_LAT / 2, lon: d.lon + AREA_LON / 2 }) / 1000 / 75),
);

export class SimulatedVehicle {
  readonly state: VehicleState;
  private readonly rng: Rng;
  private readonly rnd: () => number;
  readonly depot: City;
  private ignitionChanged = false;

  constructor(id: string, seed: number) {
    this.rng = new Rng(seed);
    this.rnd = () => this.rng.next();
    this.depot = DEPOTS[Math.floor(this.rnd() * DEPOTS.length)]!;
    const start = this.stationaryStart();
    this.state = {
      id,
      ...start,
      altitudeM: this.depot.altitudeM,
      speedKmh: start.phase === 'driving' ? start.cruiseKmh : 0,
      headingDeg: bearingDeg(start, start.target),
      ignition: start.phase !== 'parked',
      satellites: 7 + Math.floor(this.rnd() * 6),
      reportProgress: this.rnd(),
      odometerM: Math.floor(20_000_000 + this.rnd() * 400_000_000),
      engineS: Math.floor(this.rnd() * 20_000 * 3600),
    };
  }

  /**
   * Where a vehicle is at a random moment of its working life, so a fleet
   * starts in the mix it keeps. Started parked or at the start of a leg, as
   * until 2026-12, 60 % of a fleet had the ignition on at first and 82 % after
   * twelve minutes, and the offered load rose 30 % during a run at one rate.
   * A phase is drawn by its share of the cycle's time, and the time left in it
   * from the lengths as a moment would find them: long parks and long legs
   * are found more often than they are started (length-biased).
   */
  private stationaryStart(): Pick<VehicleState, 'lat' | 'lon' | 'target' | 'cruiseKmh' | 'phase' | 'phaseS' | 'parkedS'> {
    const at = this.rnd() * CYCLE_S;
    if (at < MEAN_PARK_S) {
      const long = this.rnd() * MEAN_PARK_S < LONG_PARK_SHARE * mean(LONG_PARK_S);
      const parkedS = this.rnd() * this.lengthBiased(long ? LONG_PARK_S : SHORT_PARK_S);
      return { ...this.pointNearDepot(), target: this.pointNearDepot(), cruiseKmh: 40, phase: 'parked', phaseS: 0, parkedS };
    }
    if (at < MEAN_PARK_S + mean(WARMING_S) + mean(ARRIVING_S)) {
      const warming = at < MEAN_PARK_S + mean(WARMING_S);
      const phaseS = this.rnd() * this.lengthBiased(warming ? WARMING_S : ARRIVING_S);
      return { ...this.pointNearDepot(), target: this.pointNearDepot(), cruiseKmh: 40, phase: warming ? 'warming' : 'arriving', phaseS, parkedS: 0 };
    }
    // Somewhere along a leg, drawn by the time the leg takes.
    for (;;) {
      const from = this.pointNearDepot();
      const target = this.pointNearDepot();
      const legM = distanceM(from, target);
      const cruiseKmh = this.cruiseFor(legM);
      const legH = legM / 1000 / cruiseKmh;
      if (this.rnd() * LONGEST_LEG_H > legH) continue;
      const f = this.rnd();
      return { lat: from.lat + f * (target.lat - from.lat), lon: from.lon + f * (target.lon - from.lon), target, cruiseKmh, phase: 'driving', phaseS: 0, parkedS: 0 };
    }
  }

  /** A length from [a, b] drawn in proportion to itself. */
  private lengthBiased([a, b]: readonly [number, number]): number {
    return Math.sqrt(a * a + this.rnd() * (b * b - a * a));
  }

  /** Longer legs run on ring roads and motorways. */
  private cruiseFor(legM: number): number {
    return legM > 25_000 ? 75 + this.rnd() * 35 : 35 + this.rnd() * 45;
  }

  private pointNearDepot(): { lat: number; lon: number } {
    return { lat: this.depot.lat + (this.rnd() - 0.5) * AREA_LAT, lon: this.depot.lon + (this.rnd() - 0.5) * AREA_LON };
  }

  /** Most stops are short deliveries; some vehicles stand for hours. */
  private parkDuration(): number {
    return uniform(this.rnd() < LONG_PARK_SHARE ? LONG_PARK_S : SHORT_PARK_S, this.rnd());
  }

  private setIgnition(on: boolean): void {
    if (this.state.ignition !== on) this.ignitionChanged = true;
    this.state.ignition = on;
  }

  private newLeg(): void {
    const s = this.state;
    s.target = this.pointNearDepot();
    s.cruiseKmh = this.cruiseFor(distanceM(s, s.target));
  }

  private drive(dtS: number): void {
    const s = this.state;
    const left = distanceM(s, s.target);
    if (s.phase === 'driving' && s.speedKmh > 20 && left > 300 && this.rnd() < dtS / 240) {
      // Traffic light or jam: brake to a stand with the engine running.
      s.phase = 'traffic-stop';
      s.phaseS = 10 + this.rnd() * 60;
    }
    const brakeM = (s.speedKmh / 3.6) ** 2 / 2; // ~1 m/s² deceleration
    const braking = s.phase === 'traffic-stop' || left < brakeM + 30;
    const wanted = braking ? (s.phase === 'traffic-stop' ? 0 : Math.max(10, s.speedKmh - 7 * dtS)) : s.cruiseKmh + (this.rnd() - 0.5) * 6;
    const accel = wanted > s.speedKmh ? 6 : 9; // km/h per second
    s.speedKmh = Math.max(0, Math.min(s.speedKmh + Math.sign(wanted - s.speedKmh) * Math.min(Math.abs(wanted - s.speedKmh), accel * dtS), 130));
    s.headingDeg = bearingDeg(s, s.target);
    const stepM = (s.speedKmh / 3.6) * dtS;
    s.odometerM += Math.min(stepM, left);
    if (stepM >= left) {
      s.lat = s.target.lat;
      s.lon = s.target.lon;
      if (this.rnd() < 0.35) {
        s.phase = 'arriving';
        s.phaseS = uniform(ARRIVING_S, this.rnd());
        s.speedKmh = 0;
      } else this.newLeg();
    } else {
      const br = rad(s.headingDeg);
      s.lat += deg((stepM * Math.cos(br)) / EARTH_M);
      s.lon += deg((stepM * Math.sin(br)) / (EARTH_M * Math.cos(rad(s.lat))));
    }
    s.altitudeM = Math.max(0, s.altitudeM + (this.rnd() - 0.5) * 2 * dtS * (s.speedKmh / 50));
  }

  /**
   * Seconds in which nothing happens to a parked vehicle: its park does not
   * end and no report falls due (its position, speed and ignition stay as
   * they are). 0 when it is not parked.
   */
  quietS(parkedEveryS: number): number {
    const s = this.state;
    if (s.phase !== 'parked') return 0;
    return Math.max(0, Math.min(s.parkedS, (1 - s.reportProgress) * parkedEveryS));
  }

  /** Move dtS seconds; returns true when the vehicle is due to report. */
  advance(dtS: number, movingEveryS = 5, parkedEveryS = 60): boolean {
    const s = this.state;
    if (s.ignition) s.engineS += dtS;
    switch (s.phase) {
      case 'parked':
        s.speedKmh = 0;
        s.parkedS -= dtS;
        if (s.parkedS <= 0) {
          s.parkedS = 0;
          s.phase = 'warming';
          s.phaseS = uniform(WARMING_S, this.rnd());
          this.setIgnition(true);
        }
        break;
      case 'warming':
      case 'arriving':
        s.speedKmh = 0;
        s.phaseS -= dtS;
        if (s.phaseS <= 0) {
          if (s.phase === 'warming') {
            s.phase = 'driving';
            this.newLeg();
          } else {
            s.phase = 'parked';
            s.parkedS = this.parkDuration();
            this.setIgnition(false);
          }
        }
        break;
      case 'traffic-stop':
        if (s.speedKmh > 0) this.drive(dtS);
        else {
          s.phaseS -= dtS;
          if (s.phaseS <= 0) s.phase = 'driving';
        }
        break;
      case 'driving':
        this.drive(dtS);
        break;
    }
    if (this.rnd() < dtS / 600) s.satellites = Math.max(3, Math.min(16, s.satellites + (this.rnd() < 0.5 ? -1 : 1)));
    s.reportProgress += dtS / (s.ignition ? movingEveryS : parkedEveryS);
    if (this.ignitionChanged) {
      this.ignitionChanged = false;
      s.reportProgress = 0;
      return true;
    }
    if (s.reportProgress < 1) return false;
    // The remainder carries over: a fleet keeps its spread and its rate exact with one-second steps.
    s.reportProgress = Math.min(1, s.reportProgress - 1);
    return true;
  }
}
