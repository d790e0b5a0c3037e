import { onSample, ordered, sampleStep } from './device-setup.ts';
import { beginOverspeed, confirms, extendOverspeed, isBackUnder, isOver, overspeedEnded, overspeedStarted } from './overspeed.ts';

/** Overspeed region: within -> over (pending overspeedMinS) -> alerting -> within. */
export const overspeedActions = {
  'overspeed.begin': sampleStep('overspeed', (_o, ctx, e) => ({ slice: beginOverspeed(e.c, ctx.config) })),
  'overspeed.extend': sampleStep('overspeed', (o, ctx, e) => ({ slice: o && extendOverspeed(o, e.c, ctx.config) })),
  'overspeed.alert': sampleStep('overspeed', (o, _ctx, e) => ({ slice: o, out: o ? overspeedStarted(o, e.c) : [] })),
  'overspeed.finish': sampleStep('overspeed', (o) => ({ slice: null, out: o ? overspeedEnded(o) : [] })),
  'overspeed.drop': sampleStep('overspeed', () => ({ slice: null })),
};

export const overspeedGuards = {
  'overspeed.over': onSample((ctx, e) => isOver(e.c, ctx.config)),
  'overspeed.overAtOnce': onSample((ctx, e) => isOver(e.c, ctx.config) && ctx.config.settings.overspeedMinS <= 0),
  'overspeed.backUnder': onSample((ctx, e) => isBackUnder(e.c, ctx.config)),
  'overspeed.confirms': onSample((ctx, e) => ctx.overspeed !== null && confirms(ctx.overspeed, e.c, ctx.config)),
};

export const overspeedRegion = {
  initial: 'within',
  states: {
    within: {
      on: ordered([
        { guard: 'overspeed.overAtOnce', target: 'alerting', actions: ['overspeed.begin', 'overspeed.alert'] },
        { guard: 'overspeed.over', target: 'over', actions: ['overspeed.begin'] },
      ]),
    },
    over: {
      on: ordered([
        { guard: 'overspeed.backUnder', target: 'within', actions: ['overspeed.drop'] },
        { guard: 'overspeed.confirms', target: 'alerting', actions: ['overspeed.extend', 'overspeed.alert'] },
        { actions: ['overspeed.extend'] },
      ]),
    },
    alerting: {
      on: ordered([{ guard: 'overspeed.backUnder', target: 'within', actions: ['overspeed.finish'] }, { actions: ['overspeed.extend'] }]),
    },
  },
} as const;
