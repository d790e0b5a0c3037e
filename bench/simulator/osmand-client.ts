import http from 'node:http';
import type { VehicleState } from './vehicle.ts';

const KMH_TO_KNOTS = 1 / 1.852;
const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

/** One OsmAnd query-string report over real HTTP; resolves with the status code (0 on a network error). */
export function reportOsmand(host: string, port: number, v: VehicleState, timeMs: number): Promise<number> {
  const q = new URLSearchParams({
    id: v.id,
    timestamp: String(Math.floor(timeMs / 1000)),
    lat: v.lat.toFixed(6),
    lon: v.lon.toFixed(6),
    speed: (v.speedKmh * KMH_TO_KNOTS).toFixed(2),
    bearing: v.headingDeg.toFixed(0),
    ignition: String(v.ignition),
  });
  return new Promise((resolve) => {
    const req = http.request({ host, port, path: `/?${q}`, method: 'GET', agent, timeout: 10_000 }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', () => resolve(0));
    req.on('timeout', () => req.destroy());
    req.end();
  });
}
