import { onSample, ordered, sampleEmit, sampleStep } from './device-setup.ts';
import {
  endIdling,
  endReason,
  endStop,
  endTrip,
  extendTrip,
  idlingEnds,
  idlingStarts,
  ignitionEvent,
  ignitionTurnsOff,
  ignitionTurnsOn,
  startIdling,
  startStop,
  startTrip,
  stopConfirmed,
  tripEnds,
  tripRestartsAfterGap,
  tripStarts,
} from './motion.ts';

/**
 * Motion region: ignition (unknown/off/on), trip (parked/driving/stopped) and
 * idling (no/yes) in parallel, on ordered samples.
 */
export const motionActions = {
  'ignition.edge': sampleEmit((_ctx, e) => ignitionEvent(e.p, e.c)),
  'trip.start': sampleStep('motion', (m, _ctx, e) => {
    const r = startTrip(e.c);
    return { slice: { ...m, trip: r.trip }, out: r.out };
  }),
  'trip.extend': sampleStep('motion', (m, _ctx, e) => (m.trip ? { slice: { ...m, trip: extendTrip(m.trip, e.p, e.c) } } : { slice: m })),
  'trip.end': sampleStep('motion', (m, ctx, e) =>
    m.trip ? { slice: { ...m, trip: null }, out: endTrip(m.trip, e.p, e.c, endReason(e.c, ctx.config.settings)) } : { slice: m },
  ),
  'stop.start': sampleStep('motion', (m, _ctx, e) => {
    if (!m.trip) return { slice: m };
    const r = startStop(m.trip, e.c);
    return { slice: { ...m, trip: r.trip }, out: r.out };
  }),
  'stop.end': sampleStep('motion', (m, _ctx, e) => {
    if (!m.trip) return { slice: m };
    const r = endStop(m.trip, e.c);
    return { slice: { ...m, trip: r.trip }, out: r.out };
  }),
  'idling.start': sampleStep('motion', (m, _ctx, e) => {
    const r = startIdling(e.c);
    return { slice: { ...m, idle: r.idle }, out: r.out };
  }),
  'idling.end': sampleStep('motion', (m, _ctx, e) => (m.idle ? { slice: { ...m, idle: null }, out: endIdling(m.idle, e.c) } : { slice: m })),
};

export const motionGuards = {
  'ignition.turnsOn': onSample((_ctx, e) => ignitionTurnsOn(e.p, e.c)),
  'ignition.turnsOff': onSample((_ctx, e) => ignitionTurnsOff(e.p, e.c)),
  'trip.starts': onSample((_ctx, e) => tripStarts(e.c)),
  'trip.ends': onSample((ctx, e) => tripEnds(e.c, ctx.config.settings)),
  'trip.restartsAfterGap': onSample((ctx, e) => tripRestartsAfterGap(e.c, ctx.config.settings)),
  'trip.moves': onSample((_ctx, e) => e.c.mov),
  'stop.confirmed': onSample((ctx, e) => stopConfirmed(e.c, ctx.config.settings)),
  'idling.starts': onSample((ctx, e) => idlingStarts(e.c, e.s, ctx.config.settings)),
  'idling.ends': onSample((_ctx, e) => idlingEnds(e.c, e.s)),
};

const endOrRestart = [
  { guard: 'trip.restartsAfterGap', target: 'driving', reenter: true, actions: ['trip.end', 'trip.start'] },
  { guard: 'trip.ends', target: 'parked', actions: ['trip.end'] },
] as const;

export const motionRegion = {
  type: 'parallel',
  states: {
    ignition: {
      initial: 'unknown',
      states: {
        unknown: {
          on: ordered([
            { guard: 'ignition.turnsOn', target: 'on', actions: ['ignition.edge'] },
            { guard: 'ignition.turnsOff', target: 'off' },
          ]),
        },
        off: { on: ordered({ guard: 'ignition.turnsOn', target: 'on', actions: ['ignition.edge'] }) },
        on: { on: ordered({ guard: 'ignition.turnsOff', target: 'off', actions: ['ignition.edge'] }) },
      },
    },
    trip: {
      initial: 'parked',
      states: {
        parked: { on: ordered({ guard: 'trip.starts', target: 'driving', actions: ['trip.start'] }) },
        driving: {
          on: ordered([...endOrRestart, { guard: 'stop.confirmed', target: 'stopped', actions: ['trip.extend', 'stop.start'] }, { actions: ['trip.extend'] }]),
        },
        stopped: {
          on: ordered([...endOrRestart, { guard: 'trip.moves', target: 'driving', actions: ['trip.extend', 'stop.end'] }, { actions: ['trip.extend'] }]),
        },
      },
    },
    idling: {
      initial: 'no',
      states: {
        no: { on: ordered({ guard: 'idling.starts', target: 'yes', actions: ['idling.start'] }) },
        yes: { on: ordered({ guard: 'idling.ends', target: 'no', actions: ['idling.end'] }) },
      },
    },
  },
} as const;
