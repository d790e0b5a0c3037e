import { onSample, ordered, sampleStep, step } from './device-setup.ts';
import { membershipChanges, pruneRemoved, updateMembership } from './geofences.ts';

/** Geofences region: one state; membership changes on samples, deleted fences on settings. */
export const geofenceActions = {
  'geofences.update': sampleStep('geofences', (g, ctx, e) => updateMembership(g, e.c, ctx.config)),
  'geofences.prune': step('geofences', 'settings', (g, ctx, e) => pruneRemoved(g, ctx.config.geofences, e.geofences, ctx.track)),
};

export const geofenceGuards = {
  'geofences.changes': onSample((ctx, e) => membershipChanges(ctx.geofences, e.c)),
};

export const geofenceRegion = {
  on: {
    ...ordered({ guard: 'geofences.changes', actions: ['geofences.update'] }),
    settings: { actions: ['geofences.prune'] },
  },
} as const;
