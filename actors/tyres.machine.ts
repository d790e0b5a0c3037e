import { lastCall, onSample, ordered, sampleStep } from './device-setup.ts';
import { anyTyreAlert, tyreStep as step } from './tyres.ts';

const tyreStep = lastCall(step);

/** Tyres region: ok / alert (some wheel low or leaking). */
export const tyreActions = {
  'tyres.step': sampleStep('tyres', (t, ctx, e) => tyreStep(t, e.s, ctx.config.settings)),
};

export const tyreGuards = {
  'tyres.readings': onSample((_ctx, e) => e.s.x?.tyres !== undefined),
  'tyres.alert': onSample((ctx, e) => e.s.x?.tyres !== undefined && anyTyreAlert(tyreStep(ctx.tyres, e.s, ctx.config.settings).slice)),
  'tyres.fine': onSample((ctx, e) => e.s.x?.tyres !== undefined && !anyTyreAlert(tyreStep(ctx.tyres, e.s, ctx.config.settings).slice)),
};

export const tyreRegion = {
  initial: 'ok',
  states: {
    ok: { on: ordered([{ guard: 'tyres.alert', target: 'alert', actions: ['tyres.step'] }, { guard: 'tyres.readings', actions: ['tyres.step'] }]) },
    alert: { on: ordered([{ guard: 'tyres.fine', target: 'ok', actions: ['tyres.step'] }, { guard: 'tyres.readings', actions: ['tyres.step'] }]) },
  },
} as const;
