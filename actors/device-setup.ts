import { setup } from 'xstate';
import type { DeviceId, TelemetryRecord, TenantId } from '../engine/model/index.ts';
import type { ColdChainSlice } from './cold-chain.ts';
import type { ConnectivitySlice, Hearing } from './connectivity.ts';
import type { DerivedEvent } from './derived-event.ts';
import type { DeviceConfig, DeviceSettings, Geofence } from './device-settings.ts';
import type { DoorSlice } from './doors.ts';
import type { BehaviourSlice } from './driver-behaviour.ts';
import type { HealthSlice } from './engine-health.ts';
import { toDerivedEvent, type Out } from './events.ts';
import type { FuelSlice } from './fuel.ts';
import type { GeofenceSlice } from './geofences.ts';
import type { LivePosition } from './live-position.ts';
import type { MotionSlice } from './motion.ts';
import type { OverloadSlice } from './overload.ts';
import type { OverspeedSlice } from './overspeed.ts';
import type { ReorderSlice } from './reorder.ts';
import type { Sample } from './sample.ts';
import type { Track } from './track.ts';
import type { TyreSlice } from './tyres.ts';

/**
 * The types every concern's region shares, and the typed `setup` they build
 * their named actions with. The device machine (device.machine.ts) extends it
 * with every concern's actions and guards and composes their regions.
 *
 * Context is plain data only (numbers, strings, booleans, null, arrays,
 * objects): it is persisted as msgpack and restored in another process.
 */
export interface DeviceContext {
  tenantId: TenantId;
  deviceId: DeviceId;
  /** Settings and geofences (shared, interned object). */
  config: DeviceConfig;
  records: number;
  // on arrival
  connectivity: ConnectivitySlice;
  position: LivePosition | null;
  // ordered history
  reorder: ReorderSlice;
  track: Track;
  motion: MotionSlice;
  overspeed: OverspeedSlice | null;
  geofences: GeofenceSlice;
  health: HealthSlice;
  coldChain: ColdChainSlice;
  tyres: TyreSlice;
  doors: DoorSlice;
  overload: OverloadSlice;
  fuel: FuelSlice;
  behaviour: BehaviourSlice;
}

export interface DeviceInput {
  tenantId: TenantId;
  deviceId: DeviceId;
  offlineAfterMs: number;
  config?: DeviceConfig;
}

/** A sample released by the reorder window, in device-time order, with the track before (`p`) and after (`c`) it. */
export interface Ordered {
  s: Sample;
  p: Track;
  c: Track;
}

export type DeviceEvent =
  /**
   * A record as it arrives (any order), with the reorder window after
   * admitting it and the first sample the window released (null: none).
   * Built by the mailbox (mailbox.ts).
   */
  | { type: 'record'; record: TelemetryRecord; reorder: ReorderSlice; next: Ordered | null }
  /** A further released sample (several released at once, or a quiet device's window flushed). */
  | { type: 'sample'; next: Ordered; reorder?: ReorderSlice }
  /** The shard's clock: offline detection (on what the shard has heard, when it says), date-based maintenance. */
  | { type: 'tick'; now: number; hearing?: Hearing }
  /** New settings and geofences (already validated), effective from the next applied record. */
  | { type: 'settings'; settings: DeviceSettings; geofences: Geofence[] };

/** The ordered sample an input carries, if any: what every history-dependent concern reacts to. */
export function orderedOf(event: DeviceEvent): Ordered | null {
  return event.type === 'sample' ? event.next : event.type === 'record' ? event.next : null;
}

/** Transitions on ordered samples: they arrive on `record` (with the arrival) and on `sample`. */
export function ordered<const T>(transitions: T): { record: T; sample: T } {
  return { record: transitions, sample: transitions };
}

export type DeviceEmitted = { type: 'derived'; event: DerivedEvent };


export const deviceSetup = setup({
  types: {
    context: {} as DeviceContext,
    events: {} as DeviceEvent,
    input: {} as DeviceInput,
    emitted: {} as DeviceEmitted,
  },
});

export function derived(ctx: Pick<DeviceContext, 'tenantId' | 'deviceId'>, o: Out): DeviceEmitted {
  return { type: 'derived', event: toDerivedEvent(ctx.tenantId, ctx.deviceId, o) };
}

export type SliceKey = Exclude<keyof DeviceContext, 'tenantId' | 'deviceId'>;
type EventOf<T extends DeviceEvent['type']> = Extract<DeviceEvent, { type: T }>;

/*
 * Staged updates. XState clones the whole snapshot (recomputing the state
 * value of every active node) on each `assign`; with a region per concern
 * that was ~15 clones per record and most of the CPU. So concern actions
 * stage their new slice and their events here, and one `commit` action (the
 * last action of every microstep, in the history region) assigns every staged
 * slice at once and emits the staged events in order. Snapshots stay
 * immutable. Processing is synchronous and one input at a time, so a module
 * scope is enough; DeviceActor resets it before each input.
 */
let staged: Partial<DeviceContext> | null = null;
let stagedOut: Out[] = [];

export function resetStaging(): void {
  staged = null;
  stagedOut = [];
}

/** The concern's slice as the actions of this microstep left it. */
export function current<K extends SliceKey>(ctx: DeviceContext, key: K): DeviceContext[K] {
  return staged !== null && key in staged ? (staged[key] as DeviceContext[K]) : ctx[key];
}

export function stage<K extends SliceKey>(key: K, value: DeviceContext[K]): void {
  (staged ??= {})[key] = value;
}

export function stageEvents(events: readonly Out[] | undefined): void {
  if (events) for (const e of events) stagedOut.push(e);
}

/** The last action of every microstep: one assign, then the events in the order they were staged. */
export const commit = deviceSetup.enqueueActions(({ context, enqueue }) => {
  const patch = staged;
  const events = stagedOut;
  resetStaging();
  if (patch) enqueue.assign(patch);
  for (const o of events) enqueue.emit(derived(context, o));
});

/** What a concern's step returns: its new slice (same object when unchanged) and the events to emit. */
export interface Step<V> {
  slice: V;
  out?: Out[];
}

/** A named action that runs a pure step on one event type and stages the concern's slice and events. */
export function step<K extends SliceKey, T extends DeviceEvent['type']>(
  key: K,
  type: T,
  fn: (slice: DeviceContext[K], ctx: DeviceContext, event: EventOf<T>) => Step<DeviceContext[K]>,
) {
  return ({ context, event }: { context: DeviceContext; event: DeviceEvent }) => {
    if (event.type !== type) return;
    const before = current(context, key);
    const r = fn(before, context, event as EventOf<T>);
    if (r.slice !== before) stage(key, r.slice);
    stageEvents(r.out);
  };
}

/** A named action that only emits. */
export function emitOnly<T extends DeviceEvent['type']>(type: T, fn: (ctx: DeviceContext, event: EventOf<T>) => Out[]) {
  return ({ context, event }: { context: DeviceContext; event: DeviceEvent }) => {
    if (event.type === type) stageEvents(fn(context, event as EventOf<T>));
  };
}

export type GuardArgs = { context: DeviceContext; event: DeviceEvent };

/**
 * A pure step that a region's guards run to choose the target and its action
 * then runs again with the same arguments (tyres, cold chain, doors,
 * overload, coolant, battery): computed once per input. Arguments are
 * compared by identity (each input carries a new sample, so nothing is
 * reused across inputs or devices); the step must be pure and its result
 * treated as immutable.
 */
export function lastCall<A, B, C, R>(fn: (a: A, b: B, c: C) => R): (a: A, b: B, c: C) => R;
export function lastCall<A, B, C, D, R>(fn: (a: A, b: B, c: C, d: D) => R): (a: A, b: B, c: C, d: D) => R;
export function lastCall<A, B, C, D, R>(fn: (a: A, b: B, c: C, d?: D) => R): (a: A, b: B, c: C, d?: D) => R {
  let called = false;
  let la: A;
  let lb: B;
  let lc: C;
  let ld: D | undefined;
  let last: R;
  return (a, b, c, d) => {
    if (called && a === la && b === lb && c === lc && d === ld) return last;
    last = fn(a, b, c, d);
    la = a;
    lb = b;
    lc = c;
    ld = d;
    called = true;
    return last;
  };
}

/** A guard on the ordered sample an input carries (false when it carries none). */
export function onSample(fn: (ctx: DeviceContext, o: Ordered) => boolean) {
  return ({ context, event }: GuardArgs) => {
    const o = orderedOf(event);
    return o !== null && fn(context, o);
  };
}

/** A named action that runs a pure step on the ordered sample an input carries. */
export function sampleStep<K extends SliceKey>(key: K, fn: (slice: DeviceContext[K], ctx: DeviceContext, o: Ordered) => Step<DeviceContext[K]>) {
  return ({ context, event }: { context: DeviceContext; event: DeviceEvent }) => {
    const o = orderedOf(event);
    if (o === null) return;
    const before = current(context, key);
    const r = fn(before, context, o);
    if (r.slice !== before) stage(key, r.slice);
    stageEvents(r.out);
  };
}

/** A named action that only emits, on the ordered sample an input carries. */
export function sampleEmit(fn: (ctx: DeviceContext, o: Ordered) => Out[]) {
  return ({ context, event }: { context: DeviceContext; event: DeviceEvent }) => {
    const o = orderedOf(event);
    if (o !== null) stageEvents(fn(context, o));
  };
}
