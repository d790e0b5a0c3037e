import { seededRandom } from './random.ts';

/**
 * A simulated vehicle, pure: advance(dtS) moves it along waypoints around a
 * depot city with a speed profile (accelerate, cruise, brake for the waypoint),
 * parks with ignition off for a while at some waypoints, and says when it is
 * due to report (moving trackers report often, parked ones rarely).
 */

export interface City {
  name: string;
  lat: number;
  lon: number;
}

export const DEPOTS: City[] = [
  { name: 'Rotterdam', lat: 51.92, lon: 4.48 },
  { name: 'Hamburg', lat: 53.55, lon: 9.99 },
  { name: 'Lyon', lat: 45.76, lon: 4.84 },
  { name: 'Milan', lat: 45.46, lon: 9.19 },
  { name: 'Warsaw', lat: 52.23, lon: 21.01 },
  { name: 'Madrid', lat: 40.42, lon: -3.7 },
  { name: 'Prague', lat: 50.08, lon: 14.43 },
  { name: 'Antwerp', lat: 51.22, lon: 4.4 },
];

export interface VehicleState {
  id: string;
  lat: number;
  lon: number;
  speedKmh: number;
  headingDeg: number;
  ignition: boolean;
  /** Seconds left parked. */
  parkedS: number;
  target: { lat: number; lon: number };
  cruiseKmh: number;
  sinceReportS: number;
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

export class SimulatedVehicle {
  readonly state: VehicleState;
  private readonly rnd: () => number;
  private readonly depot: City;

  constructor(id: string, seed: number) {
    this.rnd = seededRandom(seed);
    this.depot = DEPOTS[Math.floor(this.rnd() * DEPOTS.length)]!;
    const start = this.pointNearDepot();
    this.state = {
      id,
      ...start,
      speedKmh: 0,
      headingDeg: 0,
      ignition: this.rnd() > 0.3,
      parkedS: this.rnd() > 0.7 ? this.rnd() * 600 : 0,
      target: this.pointNearDepot(),
      cruiseKmh: 40 + this.rnd() * 50,
      sinceReportS: this.rnd() * 5,
    };
  }

  private pointNearDepot(): { lat: number; lon: number } {
    return { lat: this.depot.lat + (this.rnd() - 0.5) * 0.6, lon: this.depot.lon + (this.rnd() - 0.5) * 0.9 };
  }

  /** Move dtS seconds; returns true when the vehicle is due to report. */
  advance(dtS: number, movingEveryS = 5, parkedEveryS = 60): boolean {
    const s = this.state;
    s.sinceReportS += dtS;
    if (s.parkedS > 0) {
      s.parkedS -= dtS;
      s.speedKmh = 0;
      if (s.parkedS <= 0) {
        s.ignition = true;
        s.target = this.pointNearDepot();
        s.cruiseKmh = 40 + this.rnd() * 50;
      }
    } else {
      const left = distanceM(s, s.target);
      const brakeM = (s.speedKmh / 3.6) ** 2 / 2; // ~1 m/s² deceleration
      const wanted = left < brakeM + 30 ? Math.max(10, s.speedKmh - 7 * dtS) : s.cruiseKmh + (this.rnd() - 0.5) * 6;
      s.speedKmh = Math.max(0, Math.min(s.speedKmh + Math.sign(wanted - s.speedKmh) * Math.min(Math.abs(wanted - s.speedKmh), 8 * dtS), 130));
      s.headingDeg = bearingDeg(s, s.target);
      const stepM = (s.speedKmh / 3.6) * dtS;
      if (stepM >= left) {
        s.lat = s.target.lat;
        s.lon = s.target.lon;
        if (this.rnd() < 0.35) {
          s.parkedS = 120 + this.rnd() * 900;
          s.ignition = false;
          s.speedKmh = 0;
        } else s.target = this.pointNearDepot();
      } else {
        const br = rad(s.headingDeg);
        s.lat += deg((stepM * Math.cos(br)) / EARTH_M);
        s.lon += deg((stepM * Math.sin(br)) / (EARTH_M * Math.cos(rad(s.lat))));
      }
    }
    const every = s.speedKmh > 0 ? movingEveryS : parkedEveryS;
    if (s.sinceReportS >= every) {
      s.sinceReportS = 0;
      return true;
    }
    return false;
  }
}
