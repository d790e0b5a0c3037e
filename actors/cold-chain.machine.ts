import { anyExcursion, coldChainStep as step } from './cold-chain.ts';
import { lastCall, onSample, ordered, sampleStep } from './device-setup.ts';

const coldChainStep = lastCall(step);

/** Cold-chain region: ok / excursion (some probe's excursion is confirmed). */
export const coldChainActions = {
  'coldchain.step': sampleStep('coldChain', (cc, ctx, e) => coldChainStep(cc, e.s, ctx.config.settings)),
};

export const coldChainGuards = {
  'coldchain.readings': onSample((ctx, e) => e.s.x?.probes !== undefined || ctx.coldChain.length > 0),
  'coldchain.excursion': onSample((ctx, e) => anyExcursion(coldChainStep(ctx.coldChain, e.s, ctx.config.settings).slice)),
  'coldchain.recovered': onSample((ctx, e) => !anyExcursion(coldChainStep(ctx.coldChain, e.s, ctx.config.settings).slice)),
};

export const coldChainRegion = {
  initial: 'ok',
  states: {
    ok: { on: ordered([{ guard: 'coldchain.excursion', target: 'excursion', actions: ['coldchain.step'] }, { guard: 'coldchain.readings', actions: ['coldchain.step'] }]) },
    excursion: { on: ordered([{ guard: 'coldchain.recovered', target: 'ok', actions: ['coldchain.step'] }, { actions: ['coldchain.step'] }]) },
  },
} as const;
