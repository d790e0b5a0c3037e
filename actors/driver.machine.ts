import { onSample, ordered, sampleEmit } from './device-setup.ts';
import { driverChanged, driverChanges } from './driver.ts';

/** Driver region: unknown / identified; `driver.changed` when a record names a different driver. */
export const driverActions = {
  'driver.changed': sampleEmit((_ctx, e) => driverChanged(e.p, e.c)),
};

export const driverGuards = {
  'driver.changes': onSample((_ctx, e) => driverChanges(e.p, e.c)),
};

export const driverRegion = {
  initial: 'unknown',
  states: {
    unknown: { on: ordered({ guard: 'driver.changes', target: 'identified', actions: ['driver.changed'] }) },
    identified: { on: ordered({ guard: 'driver.changes', actions: ['driver.changed'] }) },
  },
} as const;
