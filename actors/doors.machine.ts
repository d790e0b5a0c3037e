import { lastCall, onSample, ordered, sampleStep } from './device-setup.ts';
import { doorStep as step } from './doors.ts';

const doorStep = lastCall(step);

/** Doors region: closed / open (some door open). */
export const doorActions = {
  'doors.step': sampleStep('doors', (d, ctx, e) => doorStep(d, e.s, e.c, ctx.config)),
};

export const doorGuards = {
  'doors.readings': onSample((_ctx, e) => e.s.x?.doors !== undefined),
  'doors.anyOpen': onSample((ctx, e) => e.s.x?.doors !== undefined && doorStep(ctx.doors, e.s, e.c, ctx.config).slice.length > 0),
  'doors.allClosed': onSample((ctx, e) => e.s.x?.doors !== undefined && doorStep(ctx.doors, e.s, e.c, ctx.config).slice.length === 0),
};

export const doorRegion = {
  initial: 'closed',
  states: {
    closed: { on: ordered([{ guard: 'doors.anyOpen', target: 'open', actions: ['doors.step'] }, { guard: 'doors.readings', actions: ['doors.step'] }]) },
    open: { on: ordered([{ guard: 'doors.allClosed', target: 'closed', actions: ['doors.step'] }, { guard: 'doors.readings', actions: ['doors.step'] }]) },
  },
} as const;
