import { ordered, sampleStep } from './device-setup.ts';
import { fuelStep } from './fuel.ts';

/** Fuel region: one state; drops, refuels and the daily roll-up on every sample. */
export const fuelActions = {
  'fuel.step': sampleStep('fuel', (f, ctx, e) => fuelStep(f, e.s, e.p, e.c, ctx.config.settings)),
};

export const fuelGuards = {};

export const fuelRegion = {
  on: ordered({ actions: ['fuel.step'] }),
} as const;
