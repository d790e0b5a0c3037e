import { reportOsmand } from '../bench/simulator/osmand-client.ts';
import { SimulatedVehicle } from '../bench/simulator/vehicle.ts';
import type { Logger } from './log.ts';

/**
 * FLEET_DEMO: a few hundred simulated vehicles reporting through the real
 * OsmAnd adapter over HTTP, so a newcomer sees motion on the map at once.
 * Ids start with `demo-` so they are easy to filter out of analyses.
 */
export function startDemoFleet(opts: { osmandPort: number; devices: number; log: Logger }): { stop(): void } {
  const vehicles = Array.from({ length: opts.devices }, (_, i) => new SimulatedVehicle(`demo-${String(i + 1).padStart(4, '0')}`, 1000 + i));
  const TICK_S = 1;
  let failures = 0;
  const timer = setInterval(() => {
    const now = Date.now();
    for (const v of vehicles) {
      if (!v.advance(TICK_S)) continue;
      void reportOsmand('127.0.0.1', opts.osmandPort, v.state, now).then((status) => {
        if (status !== 200 && ++failures % 100 === 1) opts.log.warn({ status, failures }, 'demo vehicle report not accepted');
      });
    }
  }, TICK_S * 1000);
  opts.log.info({ devices: opts.devices }, 'demo fleet driving (FLEET_DEMO=0 turns it off)');
  return { stop: () => clearInterval(timer) };
}
