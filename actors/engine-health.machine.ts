import { lastCall, onSample, ordered, sampleStep, step, type GuardArgs } from './device-setup.ts';
import {
  batteryEvents,
  batteryStep as batteryStepOf,
  coolantEvents,
  coolantStep as coolantStepOf,
  dtcChanges,
  maintenanceDateStep,
  maintenanceStep,
  updateDtcs,
} from './engine-health.ts';

const coolantStep = lastCall(coolantStepOf);
const batteryStep = lastCall(batteryStepOf);

/** Engine health region: dtc, coolant (normal/overheating), battery (ok/low), maintenance, in parallel. */
export const healthActions = {
  'dtc.update': sampleStep('health', (h, _ctx, e) => {
    const r = updateDtcs(h.dtcs, e.s);
    return { slice: { ...h, dtcs: r.dtcs }, out: r.out };
  }),
  'coolant.step': sampleStep('health', (h, ctx, e) => {
    const st = coolantStep(h.coolant, e.s, ctx.config.settings);
    return st ? { slice: { ...h, coolant: st.ep }, out: coolantEvents(st, e.s, ctx.config.settings) } : { slice: h };
  }),
  'battery.step': sampleStep('health', (h, ctx, e) => {
    const st = batteryStep(h.battery, e.s, ctx.config.settings);
    return st ? { slice: { ...h, battery: st.ep }, out: batteryEvents(st, e.s, ctx.config.settings) } : { slice: h };
  }),
  'maintenance.step': sampleStep('health', (h, ctx, e) => {
    const r = maintenanceStep(h.maintenance, e.c, ctx.config.settings);
    return { slice: r.maintenance === h.maintenance ? h : { ...h, maintenance: r.maintenance }, out: r.out };
  }),
  'maintenance.date': step('health', 'tick', (h, ctx, e) => {
    const r = maintenanceDateStep(h.maintenance, e.now, ctx.config.settings, ctx.track.t > 0 ? ctx.track : null);
    return { slice: r.maintenance === h.maintenance ? h : { ...h, maintenance: r.maintenance }, out: r.out };
  }),
};

export const healthGuards = {
  'dtc.changes': onSample((ctx, e) => dtcChanges(ctx.health.dtcs, e.s)),
  'coolant.reading': onSample((_ctx, e) => e.s.x?.coolantC !== undefined),
  'coolant.overheats': onSample((ctx, e) => coolantStep(ctx.health.coolant, e.s, ctx.config.settings)?.ep?.on === true),
  'coolant.normalises': onSample((ctx, e) => {
    const st = coolantStep(ctx.health.coolant, e.s, ctx.config.settings);
    return st !== null && st.ep === null;
  }),
  'battery.reading': onSample((ctx, e) => batteryStep(ctx.health.battery, e.s, ctx.config.settings) !== null),
  'battery.goesLow': onSample((ctx, e) => batteryStep(ctx.health.battery, e.s, ctx.config.settings)?.ep?.on === true),
  'battery.recovers': onSample((ctx, e) => {
    const st = batteryStep(ctx.health.battery, e.s, ctx.config.settings);
    return st !== null && !(st.ep?.on ?? false);
  }),
  'maintenance.planned': ({ context }: GuardArgs) => context.config.settings.maintenance !== undefined,
};

export const healthRegion = {
  type: 'parallel',
  states: {
    dtc: { on: ordered({ guard: 'dtc.changes', actions: ['dtc.update'] }) },
    coolant: {
      initial: 'normal',
      states: {
        normal: {
          on: ordered([{ guard: 'coolant.overheats', target: 'overheating', actions: ['coolant.step'] }, { guard: 'coolant.reading', actions: ['coolant.step'] }]),
        },
        overheating: {
          on: ordered([{ guard: 'coolant.normalises', target: 'normal', actions: ['coolant.step'] }, { guard: 'coolant.reading', actions: ['coolant.step'] }]),
        },
      },
    },
    battery: {
      initial: 'ok',
      states: {
        ok: { on: ordered([{ guard: 'battery.goesLow', target: 'low', actions: ['battery.step'] }, { guard: 'battery.reading', actions: ['battery.step'] }]) },
        low: { on: ordered([{ guard: 'battery.recovers', target: 'ok', actions: ['battery.step'] }, { guard: 'battery.reading', actions: ['battery.step'] }]) },
      },
    },
    maintenance: {
      on: {
        ...ordered({ guard: 'maintenance.planned', actions: ['maintenance.step'] }),
        tick: { guard: 'maintenance.planned', actions: ['maintenance.date'] },
      },
    },
  },
} as const;
