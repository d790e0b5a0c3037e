import { ordered, sampleStep } from './device-setup.ts';
import { behaviourStep } from './driver-behaviour.ts';

/** Driver-behaviour region: one state; harsh manoeuvres and the driver's session score on every sample. */
export const behaviourActions = {
  'behaviour.step': sampleStep('behaviour', (b, ctx, e) => behaviourStep(b, e.s, e.p, e.c, ctx.config)),
};

export const behaviourGuards = {};

export const behaviourRegion = {
  on: ordered({ actions: ['behaviour.step'] }),
} as const;
