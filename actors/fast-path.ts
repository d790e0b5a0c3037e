/**
 * The fast path of a machine step: for an input whose selected transitions
 * only run actions, or at most move a region to a sibling state that has no
 * entry or exit actions, do what XState's `transition()` does without its
 * interpreter; answer "not taken" for anything else, so the caller runs the
 * real `machine.transition()`.
 *
 * Why: with one region per concern, XState spent ~2/3 of a record's time
 * selecting transitions over 14 parallel regions, resolving conflicts between
 * them (quadratic), computing exit and entry sets, and cloning the snapshot
 * (recomputing its state value) on the one `assign`. Given a state value and
 * an event type, the transitions to consider are fixed and can be listed
 * once; what varies per input is only which guards pass.
 *
 * What it mirrors, read from xstate 5.33 (dist/raise-*.esm.js):
 * - selection: `transitionNode` walks the *state value*: a leaf tries the
 *   child's candidates, then its parent's; a compound (one key) its child,
 *   then itself; a parallel value (any other number of keys, `{}` included)
 *   concatenates its children and tries itself only if none selected
 *   anything. Per node, candidates are `transitions.get(type)` (wildcard
 *   descriptors make a plan "slow" here), the first whose guard passes
 *   (`guard({ context, event }, undefined)`, the context before any action).
 * - a targetless transition exits and enters nothing. A *hop* (atomic source,
 *   one atomic sibling target in a compound parent, no reenter, no entry,
 *   exit, invoke or eventless transitions on either) exits exactly its source
 *   and enters exactly its target. So the exit sets of the selected
 *   transitions are disjoint, `removeConflictingTransitions` keeps all of them
 *   in order, and the microstep runs nothing but their actions, in that order,
 *   with `{ context, event, self, system }` (the context as the previous
 *   assign left it).
 * - the next snapshot is the assigns' one; with hops, its active nodes are
 *   the old ones minus the sources plus the targets. That shape is learned:
 *   the first time a set of hops is selected in a shape, XState runs and the
 *   shape it produces is checked against that rule and remembered (shapes are
 *   interned by the caller, so the next time is the same object XState would
 *   have led to).
 * - the macrostep then selects eventless transitions (a plan with an active
 *   `always` is slow; hop targets have none) and drains the internal queue
 *   (nothing here can raise: plain actions cannot, an `enqueueActions` may
 *   only `assign` and `emit`).
 * - `enqueueActions` is resolved as `resolveEnqueueActions` does: its collector
 *   runs with the context as of that action, then the queued `assign`
 *   (`Object.assign({}, context, partial)`) and `emit` (deferred through the
 *   scope) are resolved in order.
 * Anything outside that subset (a guard or action given as an object or
 * function, a built-in guard, a built-in action other than `enqueueActions`,
 * a missing implementation, a non-active snapshot) makes the plan slow when
 * it is built, before anything runs. A guard that throws declines the step
 * too: nothing has run yet, and XState reports the error its own way.
 *
 * Proof that it is exact: fast-path.test.ts (the definition stays in the
 * subset; every input of random device lives gives the same context, state
 * value and emitted events both ways).
 */

/** What the fast path reads of an XState state node (`StateNode`). */
export interface NodeView {
  type: string;
  key: string;
  id: string;
  parent?: NodeView | undefined;
  states: Record<string, NodeView>;
  transitions: Map<string, readonly TransitionView[]>;
  always?: readonly TransitionView[] | undefined;
  entry: readonly unknown[];
  exit: readonly unknown[];
  invoke: readonly unknown[];
  initial?: { actions?: readonly unknown[] } | undefined;
}

/** What the fast path reads of an XState transition (`TransitionDefinition`). */
export interface TransitionView {
  target: readonly NodeView[] | undefined;
  reenter: boolean;
  guard?: unknown;
  actions: readonly unknown[];
}

/** What the fast path reads of a machine. */
export interface MachineView {
  root: unknown;
  implementations: { actions: Record<string, unknown>; guards: Record<string, unknown> };
}

/** What the fast path reads of a snapshot minus its context. */
export interface ShapeView {
  value: unknown;
  status: string;
  _nodes: readonly unknown[];
}

/** The actor scope's members that action arguments and emits use. */
export interface ScopeView {
  self: unknown;
  system: unknown;
  defer: (fn: () => void) => void;
  emit: (event: never) => void;
}

type Guard = (args: { context: unknown; event: unknown }, params: undefined) => boolean;
type Exec = (args: { context: unknown; event: unknown; self: unknown; system: unknown }, params: undefined) => void;

/** XState's `enqueueActions(...)` creator result, as `resolveEnqueueActions` reads it. */
interface EnqueueActions {
  type: 'xstate.enqueueActions';
  collect: (args: Record<string, unknown>, params: undefined) => void;
}

type Action = { kind: 'exec'; fn: Exec } | { kind: 'enqueue'; collect: EnqueueActions['collect'] };

/** Targetless: the state value stays. */
const STAYS = 0;
/** To a sibling atomic state of an atomic source, nothing entered or exited runs anything: only the active nodes change. */
const HOPS = 1;
/** Anything else that moves: the real interpreter runs. */
const MOVES = 2;

interface Candidate {
  /** Unique per candidate: the key of a set of hops. */
  id: number;
  guard: Guard | null;
  move: typeof STAYS | typeof HOPS | typeof MOVES;
  /** For a hop: the state left and the state entered. */
  from: NodeView | null;
  to: NodeView | null;
  actions: readonly Action[];
}

/** One step of `transitionNode`: the inner groups' selections, or if they select nothing, the first enabled own candidate. */
interface Group {
  inner: readonly Group[];
  own: readonly Candidate[];
}

/** Why a (shape, event type) cannot take the fast path, or its groups. */
type Plan = { slow: string } | { groups: readonly Group[] };

interface PerShape {
  plans: Map<string, Plan>;
  /** The shape XState produced for a set of hops from this shape, keyed by the hops' candidate ids. */
  hops: Map<string, ShapeView>;
}

export interface FastPathStats {
  /** Taken, the state value unchanged. */
  stayed: number;
  /** Taken, with hops whose next shape was known. */
  hopped: number;
  /** Hops from this shape not seen before: XState ran, its next shape is learned. */
  unlearned: number;
  /** A selected transition moves in a way the fast path does not mirror: XState ran. */
  moved: number;
  /** The plan for this shape and event type is outside the mirrored subset: XState ran. */
  slow: number;
  /** A guard threw: XState ran (and reports it). */
  guardThrew: number;
  /** XState's next shape after hops was not the expected one: not learned (a defect in the mirror; tests require 0). */
  unexpected: number;
}

export interface FastStep<C> {
  shape: ShapeView;
  context: C;
}

export interface FastPath<C, E extends { type: string }> {
  /**
   * The next shape and context when the fast path applies to `event` in
   * `shape`; undefined when the real `machine.transition()` must run instead
   * (nothing has run then). After running it for an undefined step, call
   * `learn` with the shape it gave.
   */
  step(shape: ShapeView, context: C, event: E): FastStep<C> | undefined;
  /** What `transition()` gave for the input `step` just declined: hops from `from` take the fast path from now on. */
  learn(from: ShapeView, to: ShapeView): void;
  /** Why the plan for this shape and event type is slow (null: it is fast). */
  slowReason(shape: ShapeView, eventType: string): string | null;
  readonly stats: FastPathStats;
}

class Unsupported extends Error {}

function isWildcard(descriptor: string): boolean {
  return descriptor === '*' || descriptor.endsWith('.*');
}

/**
 * Bounds what is learned (a next shape per set of hops per shape): far above
 * what fleets reach (a few hundred shapes, a few hop sets each); past it,
 * new hops run through XState.
 */
const LEARNED_MAX = 20_000;

export function createFastPath<C, E extends { type: string }>(machine: MachineView, scope: ScopeView): FastPath<C, E> {
  const root = machine.root as NodeView;
  const { actions: actionImpls, guards: guardImpls } = machine.implementations;
  const perShape = new WeakMap<ShapeView, PerShape>();
  const stats: FastPathStats = { stayed: 0, hopped: 0, unlearned: 0, moved: 0, slow: 0, guardThrew: 0, unexpected: 0 };
  /** Candidates by transition: one id per transition whatever the shape. */
  const candidates = new Map<TransitionView, Candidate>();
  let learned = 0;

  function hopOf(source: NodeView, t: TransitionView): Candidate['move'] {
    if (!t.target || t.target.length === 0) return t.reenter ? MOVES : STAYS;
    const target = t.target[0]!;
    const parent = source.parent;
    const quiet = (n: NodeView) => n.entry.length === 0 && n.exit.length === 0 && n.invoke.length === 0 && !(n.always && n.always.length > 0);
    const hop =
      t.target.length === 1 &&
      !t.reenter &&
      source.type === 'atomic' &&
      target.type === 'atomic' &&
      target !== source &&
      parent !== undefined &&
      parent.type === 'compound' &&
      target.parent === parent &&
      quiet(source) &&
      quiet(target) &&
      (target.initial?.actions?.length ?? 0) === 0;
    return hop ? HOPS : MOVES;
  }

  function candidateOf(node: NodeView, t: TransitionView): Candidate {
    const known = candidates.get(t);
    if (known) return known;
    let guard: Guard | null = null;
    if (t.guard !== undefined) {
      if (typeof t.guard !== 'string') throw new Unsupported(`guard that is not a name on ${node.id}`);
      const impl = guardImpls[t.guard];
      if (typeof impl !== 'function' || 'check' in impl) throw new Unsupported(`guard '${t.guard}' is not a plain function`);
      guard = impl as Guard;
    }
    const actions = t.actions.map((a): Action => {
      if (typeof a !== 'string') throw new Unsupported(`action that is not a name on ${node.id}`);
      const impl = actionImpls[a];
      if (typeof impl !== 'function') throw new Unsupported(`action '${a}' is not implemented`);
      if (!('resolve' in impl)) return { kind: 'exec', fn: impl as Exec };
      const builtin = impl as unknown as Partial<EnqueueActions>;
      if (builtin.type === 'xstate.enqueueActions' && typeof builtin.collect === 'function') return { kind: 'enqueue', collect: builtin.collect };
      throw new Unsupported(`action '${a}' is a built-in other than enqueueActions`);
    });
    const move = hopOf(node, t);
    const c: Candidate = { id: candidates.size, guard, move, from: move === HOPS ? node : null, to: move === HOPS ? t.target![0]! : null, actions };
    candidates.set(t, c);
    return c;
  }

  function candidatesOf(node: NodeView, type: string): Candidate[] {
    for (const descriptor of node.transitions.keys()) {
      if (descriptor !== type && isWildcard(descriptor)) throw new Unsupported(`wildcard '${descriptor}' on ${node.id}`);
    }
    return (node.transitions.get(type) ?? []).map((t) => candidateOf(node, t));
  }

  /** A node's own candidates as a group, shared by every plan that reaches the node (plans are mostly these). */
  const leaves = new Map<NodeView, Map<string, Group | null>>();
  function leafOf(node: NodeView, type: string): Group | null {
    let byType = leaves.get(node);
    if (!byType) leaves.set(node, (byType = new Map()));
    let g = byType.get(type);
    if (g === undefined) {
      const own = candidatesOf(node, type);
      g = own.length > 0 ? { inner: [], own } : null;
      byType.set(type, g);
    }
    return g;
  }

  /** `transitionNode(node, value)` as a group; null when it can select nothing. */
  function groupOf(node: NodeView, value: unknown, type: string): Group | null {
    const inner: Group[] = [];
    if (typeof value === 'string') {
      // transitionAtomicNode: the child, then this node
      const child = node.states[value];
      if (!child) throw new Unsupported(`no state '${value}' in ${node.id}`);
      const leaf = leafOf(child, type);
      if (leaf) inner.push(leaf);
    } else if (value !== null && typeof value === 'object') {
      // transitionCompoundNode (one key) and transitionParallelNode (any other number) both concatenate their children, then this node
      for (const key of Object.keys(value)) {
        const sub = (value as Record<string, unknown>)[key];
        if (!sub) continue;
        const child = node.states[key];
        if (!child) throw new Unsupported(`no state '${key}' in ${node.id}`);
        const g = groupOf(child, sub, type);
        if (g) inner.push(g);
      }
    } else {
      throw new Unsupported(`state value of ${node.id} is neither a string nor an object`);
    }
    if (inner.length === 0) return leafOf(node, type);
    const own = candidatesOf(node, type);
    // without own candidates there is nothing to fall back to: the group is its inner groups
    if (own.length === 0 && inner.length === 1) return inner[0]!;
    return { inner, own };
  }

  function flatten(g: Group | null): Group[] {
    if (!g) return [];
    if (g.own.length > 0) return [g];
    return g.inner.flatMap(flatten);
  }

  function build(shape: ShapeView, type: string): Plan {
    if (shape.status !== 'active') return { slow: `status ${shape.status}` };
    if (type.startsWith('xstate.')) return { slow: `event ${type}` };
    for (const n of shape._nodes as NodeView[]) if (n.always && n.always.length > 0) return { slow: `eventless transitions on ${n.id}` };
    try {
      return { groups: flatten(groupOf(root, shape.value, type)) };
    } catch (err) {
      if (err instanceof Unsupported) return { slow: err.message };
      throw err;
    }
  }

  function dataOf(shape: ShapeView): PerShape {
    let d = perShape.get(shape);
    if (!d) perShape.set(shape, (d = { plans: new Map(), hops: new Map() }));
    return d;
  }

  function planOf(d: PerShape, shape: ShapeView, type: string): Plan {
    let plan = d.plans.get(type);
    if (!plan) d.plans.set(type, (plan = build(shape, type)));
    return plan;
  }

  // selection buffers (one input at a time, synchronous)
  // (counted rather than truncated: setting an array's length is a runtime call)
  const selected: Candidate[] = [];
  let nSelected = 0;
  const hops: Candidate[] = [];
  let nHops = 0;
  const guardArgs: { context: unknown; event: unknown } = { context: undefined, event: undefined };
  /** The hops `step` declined last, for `learn`. */
  let miss: { from: ShapeView; d: PerShape; key: string; hops: Candidate[] } | null = null;

  /** false: a selected transition moves in a way not mirrored. */
  function choose(g: Group): boolean {
    const before = nSelected;
    for (let i = 0; i < g.inner.length; i++) if (!choose(g.inner[i]!)) return false;
    if (nSelected > before) return true;
    const own = g.own;
    for (let i = 0; i < own.length; i++) {
      const c = own[i]!;
      if (c.guard === null || c.guard(guardArgs, undefined)) {
        if (c.move === MOVES) return false;
        if (c.move === HOPS) hops[nHops++] = c;
        selected[nSelected++] = c;
        return true;
      }
    }
    return true;
  }

  // what an enqueueActions collector queued, as two parallel lists (reused: one input at a time)
  const ASSIGN = 0;
  const EMIT = 1;
  let queueKinds: number[] = [];
  let queueValues: unknown[] = [];
  let collecting = false;
  const unsupported = (what: string) => () => {
    throw new Error(`fast path: enqueueActions may only assign and emit, not ${what} (extend actors/fast-path.ts and its test)`);
  };
  const enqueue = Object.assign(unsupported('enqueue(action)'), {
    assign: (assignment: unknown) => {
      queueKinds.push(ASSIGN);
      queueValues.push(assignment);
    },
    emit: (event: unknown) => {
      queueKinds.push(EMIT);
      queueValues.push(event);
    },
    cancel: unsupported('cancel'),
    raise: unsupported('raise'),
    sendTo: unsupported('sendTo'),
    sendParent: unsupported('sendParent'),
    spawnChild: unsupported('spawnChild'),
    stopChild: unsupported('stopChild'),
  });
  const check = unsupported('check');

  /** `resolveAssign` with an object: `Object.assign({}, context, partial)`, partial holding the object's own string keys. */
  function assigned(context: unknown, a: unknown): unknown {
    if (a === null || typeof a !== 'object') throw new Error('fast path: only assign({ ...partial }) is mirrored');
    const keys = Object.keys(a);
    let plain = Object.getOwnPropertySymbols(a).length === 0;
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i]!;
      // a property given as a function would be called by resolveAssign: plain data only here
      if (typeof (a as Record<string, unknown>)[key] === 'function') throw new Error('fast path: only assign({ ...partial }) with plain values is mirrored');
      if (key === '__proto__') plain = false;
    }
    // for plain data (no symbol or __proto__ keys, no setters on a fresh object) spreading is the same object, ~4x cheaper
    if (plain) return { ...(context as object), ...a };
    const partial: Record<string, unknown> = {};
    for (const key of keys) partial[key] = (a as Record<string, unknown>)[key];
    return Object.assign({}, context, partial);
  }

  function runEnqueued(collect: EnqueueActions['collect'], context: unknown, event: E): unknown {
    const outerKinds = queueKinds;
    const outerValues = queueValues;
    const nested = collecting;
    if (nested) {
      queueKinds = [];
      queueValues = [];
    }
    const kinds = queueKinds;
    const values = queueValues;
    if (kinds.length > 0) {
      // left over by a collector that threw
      kinds.length = 0;
      values.length = 0;
    }
    collecting = true;
    try {
      collect({ context, event, enqueue, check, self: scope.self, system: scope.system }, undefined);
    } finally {
      collecting = nested;
      queueKinds = outerKinds;
      queueValues = outerValues;
    }
    for (let i = 0; i < kinds.length; i++) {
      if (kinds[i] === ASSIGN) {
        context = assigned(context, values[i]);
      } else {
        const e = values[i];
        const resolved = typeof e === 'function' ? (e as (args: unknown, params: undefined) => unknown)({ context, event, self: scope.self, system: scope.system }, undefined) : e;
        scope.defer(() => scope.emit(resolved as never));
      }
    }
    if (kinds.length > 0) {
      kinds.length = 0;
      values.length = 0;
    }
    return context;
  }

  function hopKey(list: readonly Candidate[], n: number): string {
    let key = String(list[0]!.id);
    for (let i = 1; i < n; i++) key += `,${list[i]!.id}`;
    return key;
  }

  /** The active nodes after the hops, as a set: `to` must have exactly these. */
  function expectedNodes(from: ShapeView, list: readonly Candidate[]): Set<unknown> {
    const nodes = new Set<unknown>(from._nodes);
    for (const c of list) {
      nodes.delete(c.from);
      nodes.add(c.to);
    }
    return nodes;
  }

  return {
    stats,
    slowReason(shape, eventType) {
      const p = planOf(dataOf(shape), shape, eventType);
      return 'slow' in p ? p.slow : null;
    },
    learn(from, to) {
      const m = miss;
      miss = null;
      if (!m || m.from !== from || learned >= LEARNED_MAX) return;
      const expected = expectedNodes(from, m.hops);
      const same = to.status === 'active' && to._nodes.length === expected.size && to._nodes.every((n) => expected.has(n));
      if (!same) {
        stats.unexpected++;
        return;
      }
      m.d.hops.set(m.key, to);
      learned++;
    },
    step(shape, context, event) {
      miss = null;
      const d = dataOf(shape);
      const plan = planOf(d, shape, event.type);
      if ('slow' in plan) {
        stats.slow++;
        return undefined;
      }
      const groups = plan.groups;
      nSelected = 0;
      nHops = 0;
      guardArgs.context = context;
      guardArgs.event = event;
      try {
        for (let i = 0; i < groups.length; i++) {
          if (!choose(groups[i]!)) {
            stats.moved++;
            return undefined;
          }
        }
      } catch {
        stats.guardThrew++;
        return undefined;
      } finally {
        guardArgs.context = guardArgs.event = undefined;
      }
      let next = shape;
      if (nHops > 0) {
        const key = hopKey(hops, nHops);
        const known = d.hops.get(key);
        if (!known) {
          stats.unlearned++;
          miss = { from: shape, d, key, hops: hops.slice(0, nHops) };
          return undefined;
        }
        next = known;
        stats.hopped++;
      } else {
        stats.stayed++;
      }
      let ctx: unknown = context;
      let args = { context: ctx, event, self: scope.self, system: scope.system };
      // `selected` is not reused until the next step: actions cannot re-enter the fast path
      for (let i = 0, n = nSelected; i < n; i++) {
        const actions = selected[i]!.actions;
        for (let j = 0; j < actions.length; j++) {
          const a = actions[j]!;
          if (a.kind === 'exec') a.fn(args, undefined);
          else {
            const after = runEnqueued(a.collect, ctx, event);
            if (after !== ctx) {
              ctx = after;
              args = { context: ctx, event, self: scope.self, system: scope.system };
            }
          }
        }
      }
      return { shape: next, context: ctx as C };
    },
  };
}
