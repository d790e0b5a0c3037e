import { alarmActions, alarmGuards, alarmRegion } from './alarms.machine.ts';
import { coldChainActions, coldChainGuards, coldChainRegion } from './cold-chain.machine.ts';
import { initialColdChain } from './cold-chain.ts';
import { connectivityActions, connectivityGuards, connectivityRegion } from './connectivity.machine.ts';
import { initialConnectivity } from './connectivity.ts';
import { deviceSetup, type DeviceContext } from './device-setup.ts';
import { defaultConfig } from './device-settings.ts';
import { doorActions, doorGuards, doorRegion } from './doors.machine.ts';
import { initialDoors } from './doors.ts';
import { behaviourActions, behaviourGuards, behaviourRegion } from './driver-behaviour.machine.ts';
import { initialBehaviour } from './driver-behaviour.ts';
import { driverActions, driverGuards, driverRegion } from './driver.machine.ts';
import { healthActions, healthGuards, healthRegion } from './engine-health.machine.ts';
import { initialHealth } from './engine-health.ts';
import { fuelActions, fuelGuards, fuelRegion } from './fuel.machine.ts';
import { initialFuel } from './fuel.ts';
import { geofenceActions, geofenceGuards, geofenceRegion } from './geofences.machine.ts';
import { initialGeofences } from './geofences.ts';
import { historyActions, historyGuards, historyRegion } from './history.machine.ts';
import { motionActions, motionGuards, motionRegion } from './motion.machine.ts';
import { initialMotion } from './motion.ts';
import { overloadActions, overloadGuards, overloadRegion } from './overload.machine.ts';
import { overspeedActions, overspeedGuards, overspeedRegion } from './overspeed.machine.ts';
import { initialReorder } from './reorder.ts';
import { initialTrack } from './track.ts';
import { tyreActions, tyreGuards, tyreRegion } from './tyres.machine.ts';
import { initialTyres } from './tyres.ts';

export type { DeviceContext, DeviceEmitted, DeviceEvent, DeviceInput, Ordered } from './device-setup.ts';

/**
 * One machine per device, one region per concern. Each concern keeps its
 * arithmetic in a pure module (`<concern>.ts`) and contributes its region,
 * named actions and guards from `<concern>.machine.ts`; this file only
 * composes them. Nothing here reads a clock: time comes in events (record
 * device times, and `now` on the shard's tick), so tests drive the clock.
 *
 * Inputs come from the device's mailbox (mailbox.ts): `record` carries the
 * record as it arrived (connectivity and alarms act on it at once, in arrival
 * order) and the next sample the reorder window released in device-time
 * order with the track before and after it (`next`); `sample` carries further
 * released samples; `tick` and `settings` come from the shard. Every
 * history-dependent concern reacts only to the ordered sample (`ordered()`
 * transitions, `onSample` guards), never to the arrival.
 *
 * Region order is the order actions run and events come out for one input
 * (alarms before anything ordered); history is last: its `commit` closes
 * every microstep, and on `settings` the concerns still see the previous config.
 */
export const deviceMachine = deviceSetup
  .extend({
    actions: {
      ...connectivityActions,
      ...alarmActions,
      ...driverActions,
      ...motionActions,
      ...overspeedActions,
      ...geofenceActions,
      ...healthActions,
      ...coldChainActions,
      ...tyreActions,
      ...doorActions,
      ...overloadActions,
      ...fuelActions,
      ...behaviourActions,
      ...historyActions,
    },
    guards: {
      ...connectivityGuards,
      ...alarmGuards,
      ...driverGuards,
      ...motionGuards,
      ...overspeedGuards,
      ...geofenceGuards,
      ...healthGuards,
      ...coldChainGuards,
      ...tyreGuards,
      ...doorGuards,
      ...overloadGuards,
      ...fuelGuards,
      ...behaviourGuards,
      ...historyGuards,
    },
  })
  .createMachine({
    id: 'device',
    type: 'parallel',
    context: ({ input }): DeviceContext => ({
      tenantId: input.tenantId,
      deviceId: input.deviceId,
      config: input.config ?? defaultConfig(),
      records: 0,
      connectivity: initialConnectivity(input.offlineAfterMs),
      position: null,
      reorder: initialReorder(),
      track: initialTrack(),
      motion: initialMotion(),
      overspeed: null,
      geofences: initialGeofences(),
      health: initialHealth(),
      coldChain: initialColdChain(),
      tyres: initialTyres(),
      doors: initialDoors(),
      overload: null,
      fuel: initialFuel(),
      behaviour: initialBehaviour(),
    }),
    states: {
      connectivity: connectivityRegion,
      alarms: alarmRegion,
      driver: driverRegion,
      motion: motionRegion,
      overspeed: overspeedRegion,
      geofences: geofenceRegion,
      health: healthRegion,
      coldChain: coldChainRegion,
      tyres: tyreRegion,
      doors: doorRegion,
      overload: overloadRegion,
      fuel: fuelRegion,
      behaviour: behaviourRegion,
      history: historyRegion,
    },
  });
