import { lastCall, onSample, ordered, sampleStep } from './device-setup.ts';
import { overloadEvents, overloadStep as step } from './overload.ts';

const overloadStep = lastCall(step);

/** Overload region: ok / overloaded (confirmed). */
export const overloadActions = {
  'overload.step': sampleStep('overload', (o, ctx, e) => {
    const st = overloadStep(o, e.s, ctx.config.settings);
    return st ? { slice: st.ep, out: overloadEvents(st, e.s, ctx.config.settings) } : { slice: o };
  }),
};

export const overloadGuards = {
  'overload.readings': onSample((ctx, e) => overloadStep(ctx.overload, e.s, ctx.config.settings) !== null),
  'overload.confirmed': onSample((ctx, e) => overloadStep(ctx.overload, e.s, ctx.config.settings)?.ep?.on === true),
  'overload.cleared': onSample((ctx, e) => {
    const st = overloadStep(ctx.overload, e.s, ctx.config.settings);
    return st !== null && !(st.ep?.on ?? false);
  }),
};

export const overloadRegion = {
  initial: 'ok',
  states: {
    ok: { on: ordered([{ guard: 'overload.confirmed', target: 'overloaded', actions: ['overload.step'] }, { guard: 'overload.readings', actions: ['overload.step'] }]) },
    overloaded: { on: ordered([{ guard: 'overload.cleared', target: 'ok', actions: ['overload.step'] }, { guard: 'overload.readings', actions: ['overload.step'] }]) },
  },
} as const;
