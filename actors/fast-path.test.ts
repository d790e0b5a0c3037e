import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createActor, enqueueActions, setup, type AnyStateMachine } from 'xstate';
import type { TelemetryRecord } from '../engine/model/index.ts';
import type { DerivedEvent } from './derived-event.ts';
import { DeviceActor, deviceFastPath, initialByMachine, initialStep, shapeOfActor, stepFast, stepMachine, type DeviceShape } from './device-actor.ts';
import { parseDeviceSettings, parseGeofences } from './device-settings.ts';
import { deviceMachine, type DeviceContext, type DeviceEvent } from './device.machine.ts';
import { createFastPath, type NodeView, type ShapeView, type TransitionView } from './fast-path.ts';
import { flushEvents, isQuiet, recordEvents } from './mailbox.ts';
import { GEOFENCES, SETTINGS, life, records, shuffleWithin } from './testing/lives.ts';
import { DEVICE, TENANT } from './testing/record-kit.ts';

/**
 * The fast path (fast-path.ts) must do exactly what XState's transition()
 * does. Three proofs: the device machine stays inside the subset the fast
 * path mirrors; every input of random device lives gives the same context,
 * state and events both ways; and on a small machine with the selection
 * cases the device machine does not have (handlers on parent regions,
 * fallbacks, wildcards, eventless transitions, entry actions, throwing
 * guards), random inputs give the same actions, context and events.
 */

const nodesOf = (root: NodeView): NodeView[] => [root, ...Object.values(root.states).flatMap(nodesOf)];

describe('the device machine stays inside what the fast path mirrors', () => {
  const root = deviceMachine.root as unknown as NodeView;
  const nodes = nodesOf(root);
  const { actions, guards } = deviceMachine.implementations as unknown as { actions: Record<string, unknown>; guards: Record<string, unknown> };

  it('no eventless, entry, exit, delayed or invoked behaviour, no history or final states, no wildcard events', () => {
    expect(nodes.length).toBeGreaterThan(30);
    for (const n of nodes) {
      const sn = n as NodeView & { after: unknown[] };
      expect(n.always ?? [], n.id).toEqual([]);
      expect(n.entry, n.id).toEqual([]);
      expect(n.exit, n.id).toEqual([]);
      expect(sn.after, n.id).toEqual([]);
      expect(n.invoke, n.id).toEqual([]);
      if (n.type === 'compound') expect(n.initial?.actions ?? [], n.id).toEqual([]);
      expect(['atomic', 'compound', 'parallel'], n.id).toContain(n.type);
      for (const descriptor of n.transitions.keys()) expect(descriptor === '*' || descriptor.includes('*'), `${n.id} on ${descriptor}`).toBe(false);
    }
  });

  it('guards and actions are names of plain functions, except commit (enqueueActions); targets are sibling states', () => {
    let targeted = 0;
    for (const n of nodes) {
      for (const [type, list] of n.transitions) {
        for (const t of list as readonly TransitionView[]) {
          const where = `${n.id} on ${type}`;
          if (t.guard !== undefined) {
            expect(typeof t.guard, where).toBe('string');
            const g = guards[t.guard as string];
            expect(typeof g, where).toBe('function');
            expect('check' in (g as object), where).toBe(false);
          }
          for (const a of t.actions) {
            expect(typeof a, where).toBe('string');
            const impl = actions[a as string] as { resolve?: unknown; type?: string };
            expect(typeof impl, `${where}: ${String(a)}`).toBe('function');
            if (a === 'commit') expect(impl.type).toBe('xstate.enqueueActions');
            else expect('resolve' in impl, `${where}: ${String(a)}`).toBe(false);
          }
          if (t.target) {
            targeted++;
            expect(t.target.length, where).toBe(1);
            const target = t.target[0]!;
            expect(n.type, where).toBe('atomic');
            expect(target.parent, where).toBe(n.parent);
            expect(n.parent?.type, where).toBe('compound');
            // a target that is the source itself must re-enter (trip.restartsAfterGap; re-entering is left to XState)
            if (target === n) expect(t.reenter, where).toBe(true);
          } else {
            expect(t.reenter, where).toBe(false);
          }
        }
      }
    }
    expect(targeted).toBeGreaterThan(20);
  });

  it('every region closes the input with commit last: the history region is last and every one of its transitions ends with commit', () => {
    const regions = Object.keys(root.states);
    expect(regions[regions.length - 1]).toBe('history');
    const history = root.states.history!;
    for (const type of ['record', 'sample', 'tick', 'settings']) {
      const list = history.transitions.get(type) ?? [];
      expect(list.length, type).toBe(1);
      expect(list[0]!.actions.at(-1), type).toBe('commit');
    }
  });
});

/**
 * A device fed through both routes at every input: the reference advances
 * with XState's transition() only; at each input the fast path runs on the
 * same shape and context, and when it answers, it must give the same shape
 * (the same interned object), state value, context (key order included) and
 * events. A real DeviceActor is fed the same and must stay equal to the
 * reference.
 */
class Twin {
  readonly actor = new DeviceActor(TENANT as never, DEVICE as never, 300_000);
  private shape: DeviceShape = shapeOfActor(this.actor);
  private ctx: DeviceContext = this.actor.context;
  static readonly count = { inputs: 0, stayed: 0, hopped: 0, declined: 0 };

  private apply(event: DeviceEvent): DerivedEvent[] {
    // neither route may write into the context it is given (both run on the same one)
    Object.freeze(this.ctx);
    const fast = stepFast(this.shape, this.ctx, event);
    const ref = stepMachine(this.shape, this.ctx, event);
    Twin.count.inputs++;
    if (fast) {
      if (fast.shape === this.shape) Twin.count.stayed++;
      else Twin.count.hopped++;
      expect(fast.shape).toBe(ref.shape);
      expect(fast.shape.value).toStrictEqual(ref.snapshot.value);
      expect(fast.context).toStrictEqual(ref.snapshot.context);
      expect(fast.context === this.ctx).toBe(ref.snapshot.context === this.ctx);
      expect(Object.keys(fast.context)).toEqual(Object.keys(ref.snapshot.context));
      expect(fast.events).toStrictEqual(ref.events);
    } else {
      Twin.count.declined++;
    }
    this.shape = ref.shape;
    this.ctx = ref.snapshot.context;
    return ref.events;
  }

  private same(actual: DerivedEvent[], expected: DerivedEvent[]): void {
    expect(actual).toStrictEqual(expected);
    expect(this.actor.context).toStrictEqual(this.ctx);
    expect(this.actor.state).toStrictEqual(this.shape.value);
  }

  record(r: TelemetryRecord): void {
    const expected = recordEvents(this.ctx, r).flatMap((e) => this.apply(e));
    this.same(this.actor.record(r), expected);
  }

  tick(now: number): void {
    const expected = this.apply({ type: 'tick', now });
    if (isQuiet(this.ctx, now)) for (const e of flushEvents(this.ctx)) expected.push(...this.apply(e));
    this.same(this.actor.tick(now), expected);
  }

  settings(settings: Record<string, unknown>, geofences: unknown[]): void {
    const expected = this.apply({ type: 'settings', settings: parseDeviceSettings(settings), geofences: parseGeofences(geofences) });
    this.same(this.actor.applySettings(settings as never, geofences), expected);
  }

  get value(): unknown {
    return this.shape.value;
  }

  get shapeNow(): DeviceShape {
    return this.shape;
  }
}

const percent = fc.integer({ min: 0, max: 100 });
const scenario = fc.record({
  l: life,
  shuffleSeed: fc.integer({ min: 1, max: 2_147_483_646 }),
  /** Where the device goes silent long enough to go offline, then comes back. */
  silenceAt: percent,
  /** Where the settings change (lower limit, the town fence deleted). */
  settingsAt: percent,
  /** A store-and-forward burst: records delivered minutes late. */
  lagFrom: percent,
  lagLen: fc.integer({ min: 0, max: 30 }),
  tickEvery: fc.integer({ min: 2, max: 15 }),
});

function live(s: typeof scenario extends fc.Arbitrary<infer T> ? T : never, shapes: Set<DeviceShape>): Record<string, unknown> {
  const ordered = records(s.l);
  const silence = Math.floor((ordered.length * s.silenceAt) / 100);
  const lagFrom = Math.floor((ordered.length * s.lagFrom) / 100);
  const gapMs = 30 * 60_000;
  const list = ordered.map((r, i) => {
    const shifted = i >= silence ? { ...r, deviceTime: r.deviceTime + gapMs, receivedAt: r.receivedAt + gapMs } : r;
    return i >= lagFrom && i < lagFrom + s.lagLen ? { ...shifted, receivedAt: shifted.receivedAt + 600_000 } : shifted;
  });
  const arrival = shuffleWithin(list, 10_000, s.shuffleSeed);
  const twin = new Twin();
  twin.settings(SETTINGS, GEOFENCES);
  const settingsAt = Math.floor((arrival.length * s.settingsAt) / 100);
  let lastSeen = 0;
  arrival.forEach((r, i) => {
    if (i === settingsAt) twin.settings({ ...SETTINGS, speedLimitKmh: 60, overspeedMinS: 0 }, GEOFENCES.slice(0, 1));
    if (r.deviceTime >= ordered[0]!.deviceTime + gapMs && lastSeen > 0 && lastSeen < ordered[0]!.deviceTime + gapMs) {
      twin.tick(lastSeen + 20_000); // quiet: the window is flushed
      twin.tick(lastSeen + 301_000); // silent: offline
    }
    twin.record(r);
    lastSeen = Math.max(lastSeen, r.receivedAt);
    if (i % s.tickEvery === 0) twin.tick(lastSeen + 1_000);
    shapes.add(twin.shapeNow);
  });
  twin.tick(lastSeen + 60_000);
  return twin.value as Record<string, unknown>;
}

describe('differential: the fast path against XState transition()', () => {
  it('property: random lives (every concern, late and out-of-order records, silences, settings changes) give the same shape, context and events at every input', () => {
    const c = Twin.count;
    const start = { ...c };
    const statsBefore = { ...deviceFastPath.stats };
    const shapes = new Set<DeviceShape>();
    const regionsSeen = new Map<string, Set<string>>();
    fc.assert(
      fc.property(scenario, (s) => {
        const value = live(s, shapes);
        for (const [region, v] of Object.entries(value)) {
          const seen = regionsSeen.get(region) ?? new Set<string>();
          seen.add(JSON.stringify(v));
          regionsSeen.set(region, seen);
        }
      }),
      { numRuns: 25 },
    );
    const inputs = c.inputs - start.inputs;
    const stayed = c.stayed - start.stayed;
    const hopped = c.hopped - start.hopped;
    const declined = c.declined - start.declined;
    // both routes are exercised, and the fast one is the common one
    expect(inputs).toBeGreaterThan(500);
    expect(stayed).toBeGreaterThan(inputs / 3);
    expect(hopped).toBeGreaterThan(20);
    expect(declined).toBeGreaterThan(0);
    expect(stayed + hopped).toBeGreaterThan(0.6 * inputs);
    const stats = deviceFastPath.stats;
    expect(stats.unexpected - statsBefore.unexpected).toBe(0);
    expect(stats.slow - statsBefore.slow).toBe(0);
    expect(stats.guardThrew - statsBefore.guardThrew).toBe(0);
    console.log(
      `differential: ${inputs} inputs: ${stayed} stayed, ${hopped} hopped, ${declined} declined ` +
        `(fast path counters, the DeviceActor's steps included: ${stats.unlearned - statsBefore.unlearned} hops not seen before, ${stats.moved - statsBefore.moved} re-entering), ${shapes.size} shapes`,
    );
    // the lives are not stuck in one state
    expect(shapes.size).toBeGreaterThan(20);
    // every plan of every shape seen is fast: nothing falls back for lack of mirroring
    for (const shape of shapes) for (const type of ['record', 'sample', 'tick', 'settings']) expect(deviceFastPath.slowReason(shape, type)).toBeNull();
  });
});

describe('a new device: the shared initial shape and a copy of the context factory', () => {
  it('property: the same shape, state value and context as XState getInitialSnapshot', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 12 }), fc.string({ maxLength: 24 }), fc.integer({ min: 1, max: 86_400_000 }), (tenant, device, offlineAfterMs) => {
        const input = { tenantId: tenant as never, deviceId: device as never, offlineAfterMs };
        const mine = initialStep(input);
        const ref = initialByMachine(input);
        expect(mine.shape).toBe(ref.shape);
        expect(mine.context).toStrictEqual(ref.context);
        expect(Object.keys(mine.context)).toEqual(Object.keys(ref.context));
        expect(mine.context).not.toBe(ref.context);
        // nothing shared between devices but the interned config and the frozen empties
        const other = initialStep({ ...input, deviceId: `${device}x` as never });
        expect(other.context.connectivity).not.toBe(mine.context.connectivity);
      }),
      { numRuns: 100 },
    );
    expect(new DeviceActor(TENANT as never, DEVICE as never, 1000).state).toStrictEqual(initialByMachine({ tenantId: TENANT as never, deviceId: DEVICE as never, offlineAfterMs: 1000 }).shape.value);
  });
});

// ---- a small machine with the selection cases the device machine does not have ----

type Ev = { type: 'go'; n: number } | { type: 'ping'; n: number } | { type: 'other.thing'; n: number };
interface Ctx {
  count: number;
  last: string;
}

const trace: string[] = [];
const log =
  (name: string) =>
  ({ context, event }: { context: Ctx; event: Ev }): void => {
    trace.push(`${name}:${context.count}:${event.n}`);
  };
const bit = (b: number) => ({ event }: { event: Ev }) => (event.n & (1 << b)) !== 0;

const tiny = setup({
  types: { context: {} as Ctx, events: {} as Ev, emitted: {} as { type: 'seen'; n: number; count: number } },
  actions: {
    a: log('a'),
    b: log('b'),
    c: log('c'),
    d: log('d'),
    parentA: log('parentA'),
    parentB: log('parentB'),
    rootAct: log('rootAct'),
    commit: enqueueActions(({ context, event, enqueue }) => {
      enqueue.assign({ count: context.count + 1, last: trace.join(' ') });
      if (event.n % 3 === 0) enqueue.emit({ type: 'seen', n: event.n, count: context.count + 1 });
      enqueue.emit({ type: 'seen', n: -event.n, count: context.count });
    }),
  },
  guards: {
    b0: bit(0),
    b1: bit(1),
    b2: bit(2),
    b3: bit(3),
    b4: bit(4),
    b5: bit(5),
    boom: ({ event }) => {
      if (event.n === 1023) throw new Error('guard exploded');
      return false;
    },
  },
}).createMachine({
  id: 'tiny',
  type: 'parallel',
  context: { count: 0, last: '' },
  on: { ping: { actions: 'rootAct' } },
  states: {
    A: {
      initial: 'a1',
      on: { go: { guard: 'b5', actions: 'parentA' } },
      states: {
        a1: { on: { go: [{ guard: 'b0', actions: 'a' }, { guard: 'b1', target: 'a2', actions: 'b' }] } },
        a2: { on: { go: [{ guard: 'b2', target: 'a1', actions: 'c' }, { guard: 'b3', actions: 'd' }] } },
      },
    },
    B: {
      type: 'parallel',
      on: { go: { guard: 'b4', actions: 'parentB' }, ping: { guard: 'b1', actions: 'parentB' } },
      states: {
        b1: { on: { go: { guard: 'b1', actions: 'b' } } },
        b2: {
          initial: 'x',
          states: {
            x: { on: { go: { guard: 'b2', target: 'y', actions: 'c' }, ping: [{ guard: 'boom', actions: 'a' }, { guard: 'b3', target: 'y' }] } },
            y: { on: { go: { guard: 'b3', target: 'x', actions: 'd' } } },
          },
        },
      },
    },
    C: { on: { go: [{ guard: 'b0', actions: ['a', 'b'] }, { guard: 'b2', actions: 'c' }, { actions: 'd' }], ping: { guard: 'b0', actions: 'a' } } },
    Z: { on: { go: { actions: 'commit' }, ping: { guard: 'b2', actions: 'commit' }, 'other.thing': { actions: 'commit' } } },
  },
});

/** XState's transition() and the fast path on a machine, with interned shapes, as DeviceActor does. */
function bench(machine: AnyStateMachine) {
  let outbox: unknown[] = [];
  const deferred: (() => void)[] = [];
  const host = createActor(machine);
  const scope = {
    self: host,
    id: 'tiny',
    sessionId: 'tiny',
    logger: () => {},
    defer: (fn: () => void) => void deferred.push(fn),
    system: host.system,
    stopChild: () => {},
    emit: (e: unknown) => void outbox.push(e),
    actionExecutor: (a: { exec?: (info: unknown, params: unknown) => void; info: unknown; params: unknown }) => a.exec?.(a.info, a.params),
  };
  const fast = createFastPath<Ctx, Ev>(machine as never, scope as never);
  type Snap = ReturnType<typeof machine.getInitialSnapshot>;
  const shapes = new Map<string, ShapeView>();
  const intern = (snap: Snap): ShapeView => {
    const key = JSON.stringify(snap.value);
    let s = shapes.get(key);
    if (!s) shapes.set(key, (s = { ...snap, context: undefined } as unknown as ShapeView));
    return s;
  };
  const run = <T>(fn: () => T) => {
    outbox = [];
    deferred.length = 0;
    trace.length = 0;
    let value: T | Error;
    try {
      value = fn();
    } catch (err) {
      value = err as Error;
    }
    for (const d of deferred) d();
    return { value, events: outbox, trace: [...trace] };
  };
  const initial = machine.getInitialSnapshot(scope as never);
  return {
    fast,
    initial: { shape: intern(initial), context: initial.context as Ctx },
    viaFast: (shape: ShapeView, context: Ctx, event: Ev) => run(() => fast.step(shape, context, event)),
    viaXState: (shape: ShapeView, context: Ctx, event: Ev) =>
      run(() => {
        const snap = machine.transition({ ...shape, context } as never, event, scope as never) as Snap;
        const next = intern(snap);
        fast.learn(shape, next);
        return { shape: next, context: snap.context as Ctx };
      }),
  };
}

describe('the fast path mirrors XState selection on a machine with parent handlers and fallbacks', () => {
  it('property: random events give the same actions in the same order, shape, context and emitted events', () => {
    const b = bench(tiny);
    const seen = { stayed: 0, hopped: 0, declined: 0, parents: 0, root: 0, threw: 0 };
    fc.assert(
      fc.property(
        fc.array(
          fc.record({ type: fc.constantFrom('go' as const, 'go' as const, 'ping' as const, 'other.thing' as const), n: fc.oneof(fc.integer({ min: 0, max: 63 }), fc.constant(1023)) }),
          { minLength: 1, maxLength: 40 },
        ),
        (events) => {
          let { shape, context } = b.initial;
          for (const e of events) {
            const f = b.viaFast(shape, context, e);
            const x = b.viaXState(shape, context, e);
            if (x.value instanceof Error) {
              // only the throwing guard: the fast path declined without running anything
              expect(x.value.message).toContain('guard exploded');
              expect(f.value).toBeUndefined();
              expect(f.trace).toEqual([]);
              expect(f.events).toEqual([]);
              seen.threw++;
              continue;
            }
            if (f.value instanceof Error) throw f.value;
            if (f.value) {
              if (f.value.shape === shape) seen.stayed++;
              else seen.hopped++;
              expect(f.trace).toEqual(x.trace);
              expect(f.value.shape).toBe(x.value.shape);
              expect(f.value.context).toStrictEqual(x.value.context);
              expect(f.events).toStrictEqual(x.events);
              if (f.trace.some((t) => t.startsWith('parent'))) seen.parents++;
              if (f.trace.some((t) => t.startsWith('rootAct'))) seen.root++;
            } else {
              expect(f.trace).toEqual([]);
              expect(f.events).toEqual([]);
              seen.declined++;
            }
            ({ shape, context } = x.value);
          }
        },
      ),
      { numRuns: 200 },
    );
    expect(seen.stayed).toBeGreaterThan(100);
    expect(seen.hopped).toBeGreaterThan(20);
    expect(seen.declined).toBeGreaterThan(0);
    expect(seen.parents).toBeGreaterThan(20);
    expect(seen.root).toBeGreaterThan(0);
    expect(seen.threw).toBeGreaterThan(0);
    expect(b.fast.stats.unexpected).toBe(0);
  });

  it('declines what it does not mirror: wildcards, eventless transitions, entry actions on a target, re-entering', () => {
    const wild = setup({ types: { context: {} as Ctx, events: {} as Ev }, actions: { a: log('a') } }).createMachine({
      context: { count: 0, last: '' },
      on: { 'other.*': { actions: 'a' }, go: { actions: 'a' } },
    });
    const bw = bench(wild);
    expect(bw.fast.slowReason(bw.initial.shape, 'go')).toContain('wildcard');

    for (const region of [
      { initial: 'e1', states: { e1: { on: { ping: { target: 'e2' } } }, e2: { entry: 'a' } } },
      { initial: 'e1', states: { e1: { exit: 'a', on: { ping: { target: 'e2' } } }, e2: {} } },
      { initial: 'r1', states: { r1: { on: { ping: { target: 'r1', reenter: true } } } } },
    ]) {
      const m = setup({ types: { context: {} as Ctx, events: {} as Ev }, actions: { a: log('a') } }).createMachine({
        context: { count: 0, last: '' },
        type: 'parallel',
        states: { R: region as never, Q: { on: { ping: { actions: 'a' } } } },
      });
      const b = bench(m);
      expect(b.fast.slowReason(b.initial.shape, 'ping')).toBeNull();
      const declined = b.viaFast(b.initial.shape, b.initial.context, { type: 'ping', n: 0 });
      expect(declined.value).toBeUndefined();
      expect(declined.trace).toEqual([]);
      expect(b.fast.stats.moved).toBe(1);
      // and XState does run something the fast path would not have
      expect(b.viaXState(b.initial.shape, b.initial.context, { type: 'ping', n: 0 }).trace).toContain('a:0:0');
    }

    const always = setup({ types: { context: {} as Ctx, events: {} as Ev }, actions: { a: log('a') } }).createMachine({
      context: { count: 0, last: '' },
      initial: 's',
      states: { s: { always: { guard: () => false, target: 't' }, on: { go: { actions: 'a' } } }, t: {} },
    });
    const ba = bench(always);
    expect(ba.fast.slowReason(ba.initial.shape, 'go')).toContain('eventless');
  });
});
