import { createActor, type ActorScope, type Snapshot, type SnapshotFrom } from 'xstate';
import type { DeviceId, TelemetryRecord, TenantId } from '../engine/model/index.ts';
import type { DerivedEvent } from './derived-event.ts';
import type { Hearing } from './connectivity.ts';
import { resetStaging, type DeviceEmitted, type DeviceEvent, type DeviceInput } from './device-setup.ts';
import {
  parseDeviceSettings,
  parseGeofences,
  persistableConfig,
  reviveConfig,
  type DeviceConfig,
  type DeviceSettingsInput,
} from './device-settings.ts';
import { deviceMachine, type DeviceContext } from './device.machine.ts';
import { deviceViewOf, type DeviceView } from './device-view.ts';
import { none } from './empty.ts';
import { createFastPath, type FastPath } from './fast-path.ts';
import { putToSleep, wakeUp } from './hibernation.ts';
import { flushEvents, isQuiet, recordEvents } from './mailbox.ts';
import { reviveContext } from './revive.ts';

/**
 * A device's actor: feed an input, get back what it derived, read its view,
 * persist and restore it. Synchronous: an input is processed to completion
 * inside the call, so the derived events of a record are known before the
 * record is acknowledged.
 *
 * Memory shapes this class (DESIGN.md: a few KB per live device). Measured
 * here: an XState `Actor` instance (mailbox, system, observers, scope
 * closures) costs ~3.5 KB of heap before any context, and a machine snapshot
 * of this 14-region machine carries ~1 KB of state value, active-node list
 * and tag set. So a DeviceActor holds neither:
 * - it steps the machine with the machine's own `transition()` (the same
 *   macrostep `Actor.send` runs) through one actor scope shared by every
 *   device of the process, and
 * - it keeps its context plus a *shape*: the snapshot minus its context,
 *   interned by state value, so every device in the same states shares one.
 * What XState's Actor adds is not used here: no invoked or spawned children,
 * no delayed events, no subscribers.
 *
 * Most inputs move no region (every selected transition is targetless): those
 * take the fast path (fast-path.ts), which does what `transition()` does in
 * that case without XState's interpreter; the others run `transition()`.
 */

type DeviceSnapshot = SnapshotFrom<typeof deviceMachine>;
/** A snapshot without its context: shared by every device in the same state. */
type Shape = Omit<DeviceSnapshot, 'context'>;

let outbox: DerivedEvent[] = [];
const deferred: (() => void)[] = [];

/** One inert host actor provides `self` and `system` for the shared scope; it is never started. */
const host = createActor(deviceMachine, {
  input: { tenantId: 'host' as TenantId, deviceId: 'host' as DeviceId, offlineAfterMs: 1 },
});

const scope = {
  self: host,
  id: 'device',
  sessionId: 'device',
  logger: () => {},
  defer: (fn: () => void) => {
    deferred.push(fn);
  },
  system: host.system,
  stopChild: () => {},
  emit: (e: DeviceEmitted) => {
    outbox.push(e.event);
  },
  actionExecutor: (action: { exec?: ((info: unknown, params: unknown) => void) | undefined; info: unknown; params: unknown }) => {
    action.exec?.(action.info, action.params);
  },
} as unknown as ActorScope<DeviceSnapshot, DeviceEvent>;

function run<T>(fn: () => T): { value: T; events: DerivedEvent[] } {
  outbox = [];
  deferred.length = 0;
  resetStaging();
  const value = fn();
  for (let i = 0; i < deferred.length; i++) deferred[i]!();
  deferred.length = 0;
  const events = outbox;
  outbox = [];
  return { value, events };
}

const SHAPE_CACHE_MAX = 10_000;
const shapes = new Map<string, Shape>();

/** Distinct machine states interned in this thread (past SHAPE_CACHE_MAX, new ones lose the fast path). */
export function internedShapes(): number {
  return shapes.size;
}

function shapeOf(snap: DeviceSnapshot, previous?: Shape): Shape {
  if (previous && snap._nodes === previous._nodes && snap.status === previous.status) return previous;
  const key = `${snap.status}:${JSON.stringify(snap.value)}`;
  let shape = shapes.get(key);
  if (!shape) {
    shape = { ...snap, context: undefined } as unknown as Shape;
    if (shapes.size < SHAPE_CACHE_MAX) shapes.set(key, shape);
  }
  return shape;
}

/**
 * XState's persisted form of a shape (status, state value, history, no
 * children), made once per shape. Made per snapshot it was half of what a
 * snapshot cost a shard at 100,000 actors: getPersistedSnapshot also walks
 * the whole context for actor references, which a device's context never
 * holds (no spawned or invoked children), and hands the context back as it is.
 */
const persistedShapes = new WeakMap<Shape, Record<string, unknown>>();

function persistedShapeOf(shape: Shape): Record<string, unknown> {
  let persisted = persistedShapes.get(shape);
  if (!persisted) {
    const { context: _none, ...rest } = deviceMachine.getPersistedSnapshot({ ...shape, context: {} } as unknown as DeviceSnapshot) as unknown as Record<string, unknown>;
    persisted = rest;
    persistedShapes.set(shape, persisted);
  }
  return persisted;
}

const fastPath: FastPath<DeviceContext, DeviceEvent> = createFastPath(deviceMachine, scope as never);

/**
 * One input, as DeviceActor runs it: the fast path when it applies, else
 * XState's `transition()` (which teaches the fast path a hop it declined).
 * The two routes are also exported alone below, for the differential test.
 */
function stepDevice(shape: Shape, context: DeviceContext, event: DeviceEvent): { shape: Shape; context: DeviceContext; events: DerivedEvent[] } {
  outbox = [];
  if (deferred.length > 0) deferred.length = 0;
  resetStaging();
  let next: DeviceContext;
  const fast = fastPath.step(shape, context, event);
  if (fast) {
    shape = fast.shape as Shape;
    next = fast.context;
  } else {
    const snap = deviceMachine.transition({ ...shape, context } as DeviceSnapshot, event, scope as never);
    const before = shape;
    shape = shapeOf(snap, shape);
    fastPath.learn(before, shape);
    next = snap.context;
  }
  if (deferred.length > 0) {
    for (let i = 0; i < deferred.length; i++) deferred[i]!();
    deferred.length = 0;
  }
  const events = outbox;
  outbox = [];
  return { shape, context: next, events };
}

/**
 * A new device's shape and context. XState's getInitialSnapshot costs
 * ~180 µs here (entering 40 state nodes); what it yields for this machine
 * is always the same shape (no entry or initial actions, no eventless
 * transitions: the definition test checks it) and a copy of the context
 * factory's object (its `assign`: `Object.assign({}, {}, factory(...))`). So
 * XState runs for the first device, and every later one takes that shape
 * and a copy of the factory's context. Proven equal in fast-path.test.ts.
 */
export function initialStep(input: DeviceInput): { shape: Shape; context: DeviceContext } {
  const factory = deviceMachine.config.context;
  if (initialShape && typeof factory === 'function') {
    try {
      // Object.assign({}, {}, x) as XState's assign does; spread gives the same plain object, laid out compactly (~60 B less)
      const context = { ...(factory({ input, self: host, spawn: noSpawn } as never) as DeviceContext) };
      return { shape: initialShape, context };
    } catch {
      // XState turns a throwing factory into an error snapshot: let it
    }
  }
  return initialByMachine(input);
}

let initialShape: Shape | undefined;
const noSpawn = (): never => {
  throw new Error('the device context factory does not spawn');
};

/** XState's getInitialSnapshot, as the reference for initialStep. */
export function initialByMachine(input: DeviceInput): { shape: Shape; context: DeviceContext } {
  const snap = run(() => deviceMachine.getInitialSnapshot(scope as never, input)).value;
  const shape = shapeOf(snap);
  if (snap.status === 'active') initialShape ??= shape;
  return { shape, context: snap.context };
}

/** The fast path alone (undefined: not taken, nothing ran). */
export function stepFast(shape: Shape, context: DeviceContext, event: DeviceEvent): { shape: Shape; context: DeviceContext; events: DerivedEvent[] } | undefined {
  const r = run(() => fastPath.step(shape, context, event));
  return r.value === undefined ? undefined : { shape: r.value.shape as Shape, context: r.value.context, events: r.events };
}

/** XState's `transition()` alone; what it gives teaches the fast path a hop it declined (as in `stepDevice`). */
export function stepMachine(shape: Shape, context: DeviceContext, event: DeviceEvent): { shape: Shape; snapshot: DeviceSnapshot; events: DerivedEvent[] } {
  const r = run(() => deviceMachine.transition({ ...shape, context } as DeviceSnapshot, event, scope as never));
  const next = shapeOf(r.value, shape);
  fastPath.learn(shape, next);
  return { shape: next, snapshot: r.value, events: r.events };
}

/** The shape (snapshot minus context) an actor is in, interned; for tests. */
export function shapeOfActor(actor: DeviceActor): Shape {
  return actor['shape'];
}

/** The device machine's fast path: its counters and plans, for the differential test and the bench. */
export const deviceFastPath: Pick<FastPath<DeviceContext, DeviceEvent>, 'stats' | 'slowReason'> = fastPath;
export type { Shape as DeviceShape };

/** A hibernating actor's context: its bytes, and its config, which is interned and shared (and holds fence geometry). */
interface Asleep {
  bytes: Uint8Array;
  config: DeviceConfig;
}

export class DeviceActor {
  private shape: Shape;
  /** undefined while it hibernates */
  private ctx: DeviceContext | undefined;
  private asleep: Asleep | undefined;
  private stopped = false;

  constructor(tenantId: TenantId, deviceId: DeviceId, offlineAfterMs: number, persisted?: Snapshot<unknown>) {
    if (!persisted) {
      const first = initialStep({ tenantId, deviceId, offlineAfterMs });
      this.shape = first.shape;
      this.ctx = first.context;
      return;
    }
    const p = persisted as unknown as { context?: Partial<DeviceContext> } & Record<string, unknown>;
    if (!p.context || typeof p.context !== 'object') throw new DeviceActorError(deviceId, new Error('snapshot has no context'));
    // the shard's current offline setting wins; the config is re-interned (msgpack gave us a private copy)
    const context = {
      ...reviveContext(p.context, none()),
      config: reviveConfig(p.context.config),
      connectivity: { ...(p.context.connectivity as DeviceContext['connectivity']), offlineAfterMs },
    };
    const snap = run(() => deviceMachine.restoreSnapshot({ ...p, context } as never, scope as never) as DeviceSnapshot).value;
    this.shape = shapeOf(snap);
    this.ctx = snap.context;
  }

  private get snap(): DeviceSnapshot {
    return { ...this.shape, context: this.awake() } as DeviceSnapshot;
  }

  /** The context, woken from its bytes if it hibernates. */
  private awake(): DeviceContext {
    if (this.ctx !== undefined) return this.ctx;
    const { bytes, config } = this.asleep!;
    const ctx = wakeUp<DeviceContext>(bytes);
    ctx.config = config;
    this.ctx = ctx;
    this.asleep = undefined;
    return this.ctx;
  }

  /**
   * Keeps the context as bytes until something reads it (actors/hibernation.ts):
   * for a device that will be quiet a while. Its state (online, the state
   * value) stays readable without waking it. Costs an encoding now (~15 µs)
   * and a decoding at the next record or tick (~25 µs).
   */
  hibernate(): void {
    if (this.ctx === undefined || this.stopped) return;
    // config's place is kept (null), so the context wakes with its keys in the order a live one has
    this.asleep = { bytes: putToSleep({ ...this.ctx, config: null }), config: this.ctx.config };
    this.ctx = undefined;
  }

  /** Whether the context is held as bytes now. */
  get hibernating(): boolean {
    return this.ctx === undefined;
  }

  private send(event: DeviceEvent): DerivedEvent[] {
    const ctx = this.awake();
    if (this.stopped) throw new DeviceActorError(ctx.deviceId, new Error('actor is stopped'));
    try {
      const r = stepDevice(this.shape, ctx, event);
      this.shape = r.shape;
      this.ctx = r.context;
      return r.events;
    } catch (err) {
      outbox = [];
      deferred.length = 0;
      resetStaging();
      throw new DeviceActorError(ctx.deviceId, err);
    }
  }

  /** A record as it arrives, in any order. */
  record(record: TelemetryRecord): DerivedEvent[] {
    const ctx = this.awake();
    if (this.stopped) throw new DeviceActorError(ctx.deviceId, new Error('actor is stopped'));
    const inputs = recordEvents(ctx, record);
    let out = this.send(inputs[0]!);
    for (let i = 1; i < inputs.length; i++) out = out.concat(this.send(inputs[i]!));
    return out;
  }

  /**
   * The shard's clock: offline after a silence, flushing the reorder window of
   * a quiet device, date-based maintenance. Safe at any moment; it changes
   * the device only from the moment clock.ts says.
   */
  tick(now: number, hearing?: Hearing): DerivedEvent[] {
    let out = this.send(hearing ? { type: 'tick', now, hearing } : { type: 'tick', now });
    if (isQuiet(this.awake(), now)) for (const e of flushEvents(this.awake())) out = out.concat(this.send(e));
    return out;
  }

  /** Kept for the shard's silence sweep: a tick. */
  checkSilence(now: number): DerivedEvent[] {
    return this.tick(now);
  }

  /**
   * New settings and geofences (validated here; throws DeviceSettingsError).
   * Effective for every record applied from now on, including those still
   * in the reorder window. Returns the events the change itself causes
   * (`geofence.exited` for a deleted fence the device was in).
   */
  applySettings(settings: DeviceSettingsInput | undefined, geofences: unknown[] | undefined): DerivedEvent[] {
    return this.send({ type: 'settings', settings: parseDeviceSettings(settings ?? {}), geofences: parseGeofences(geofences ?? []) });
  }

  get context(): DeviceContext {
    return this.awake();
  }

  // The state value is read directly where a live view needs it: matches() parses its descriptor into a
  // fresh state value on every call, 12 % of what a shard allocated in the bench's heap profile.
  get online(): boolean {
    return this.shape.value.connectivity.link === 'online';
  }

  /** The machine's state value (which state each region is in). */
  get state(): DeviceSnapshot['value'] {
    return this.shape.value;
  }

  matches(value: Parameters<DeviceSnapshot['matches']>[0]): boolean {
    return this.shape.matches(value);
  }

  view(): DeviceView {
    return deviceViewOf(this.awake(), {
      online: this.online,
      positionStale: this.shape.value.connectivity.fix === 'stale',
      overspeeding: this.shape.value.overspeed === 'alerting',
    });
  }

  /** Plain data (msgpack-able). Geofence geometry is not included: re-apply settings after a restore. */
  persisted(): Snapshot<unknown> {
    const ctx = this.awake();
    return { ...persistedShapeOf(this.shape), context: { ...ctx, config: persistableConfig(ctx.config) } } as unknown as Snapshot<unknown>;
  }

  /** The same by XState's getPersistedSnapshot, as persisted() was made before: for the differential test. */
  persistedByXState(): Snapshot<unknown> {
    const p = deviceMachine.getPersistedSnapshot(this.snap) as unknown as { context: DeviceContext };
    return { ...p, context: { ...p.context, config: persistableConfig(p.context.config) } } as unknown as Snapshot<unknown>;
  }

  stop(): void {
    this.stopped = true;
  }
}

export class DeviceActorError extends Error {
  override readonly name = 'DeviceActorError';
  constructor(
    readonly deviceId: string,
    cause: unknown,
  ) {
    super(`actor of device ${deviceId} failed: ${(cause as Error)?.message ?? cause}`, { cause });
  }
}
