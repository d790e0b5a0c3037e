import {
  backlogStep,
  catchingUp,
  caughtUp,
  isLagging,
  isSilent,
  offline,
  online,
  positionFresh,
  positionGoesStale,
  seen,
  stale,
} from './connectivity.ts';
import { current, emitOnly, stage, step, type GuardArgs } from './device-setup.ts';
import { nextLivePosition } from './live-position.ts';

/**
 * Connectivity region, on arrival (never reordered): link
 * (unknown/online/offline), backlog (live/catchingUp) and fix (fresh/stale)
 * in parallel. Also keeps the live position (never moves backwards) and the
 * record count.
 */
export const connectivityActions = {
  'connectivity.apply': ({ context, event }: GuardArgs) => {
    if (event.type !== 'record') return;
    const r = event.record;
    stage('connectivity', seen(current(context, 'connectivity'), r));
    stage('position', nextLivePosition(context.position, r, context.config.settings.maxFutureS * 1000));
    stage('records', context.records + 1);
  },
  'connectivity.online': emitOnly('record', (ctx, e) => online(ctx.connectivity, e.record)),
  'connectivity.offline': emitOnly('tick', (ctx) => offline(ctx.connectivity, ctx.position)),
  'backlog.begin': step('connectivity', 'record', (slice, ctx, e) => ({
    slice: backlogStep(slice, e.record, ctx.reorder.tooLate),
    out: catchingUp(e.record),
  })),
  'backlog.count': step('connectivity', 'record', (slice, ctx, e) => ({ slice: backlogStep(slice, e.record, ctx.reorder.tooLate) })),
  'backlog.end': step('connectivity', 'record', (slice, ctx, e) =>
    slice.backlog ? { slice: { ...slice, backlog: null }, out: caughtUp(slice.backlog, e.record, ctx.reorder.tooLate) } : { slice },
  ),
  'fix.stale': emitOnly('record', (ctx, e) => (ctx.position ? stale(ctx.position, e.record) : [])),
};

export const connectivityGuards = {
  'link.silent': ({ context, event }: GuardArgs) => event.type === 'tick' && isSilent(context.connectivity, event.now, event.hearing),
  'backlog.lagging': ({ context, event }: GuardArgs) => event.type === 'record' && isLagging(event.record, context.config.settings),
  'backlog.onTime': ({ context, event }: GuardArgs) => event.type === 'record' && !isLagging(event.record, context.config.settings),
  'fix.goesStale': ({ context, event }: GuardArgs) =>
    event.type === 'record' && positionGoesStale(context.position, event.record, context.config.settings),
  'fix.fresh': ({ context, event }: GuardArgs) => event.type === 'record' && positionFresh(context.position, event.record),
};

export const connectivityRegion = {
  type: 'parallel',
  states: {
    link: {
      initial: 'unknown',
      states: {
        unknown: { on: { record: { target: 'online', actions: ['connectivity.apply'] } } },
        online: {
          on: {
            record: { actions: ['connectivity.apply'] },
            tick: { guard: 'link.silent', target: 'offline', actions: ['connectivity.offline'] },
          },
        },
        offline: { on: { record: { target: 'online', actions: ['connectivity.online', 'connectivity.apply'] } } },
      },
    },
    backlog: {
      initial: 'live',
      states: {
        live: { on: { record: { guard: 'backlog.lagging', target: 'catchingUp', actions: ['backlog.begin'] } } },
        catchingUp: {
          on: {
            record: [{ guard: 'backlog.onTime', target: 'live', actions: ['backlog.end'] }, { actions: ['backlog.count'] }],
          },
        },
      },
    },
    fix: {
      initial: 'fresh',
      states: {
        fresh: { on: { record: { guard: 'fix.goesStale', target: 'stale', actions: ['fix.stale'] } } },
        stale: { on: { record: { guard: 'fix.fresh', target: 'fresh' } } },
      },
    },
  },
} as const;
