import { detach, intern } from './sample.ts';

/**
 * Makes a context read back from a snapshot as compact as a live one.
 * msgpack hands back (1) objects built key by key, which V8 turns into
 * dictionaries past ~20 keys (the track, 28 keys, triples in size); (2) a
 * fresh copy of every string, where a live actor shares one (a record id
 * named by the track, the trip and an episode; a driver, fence, wheel or DTC
 * name interned across devices), and each one a slice of the one string the
 * decoder read all of the snapshot's strings into, which a kept slice pins
 * (so every kept string is detached or interned, which detaches); (3) a fresh
 * empty array per empty list.
 * Measured on a busy truck: 5.6 KB restored before this, ~3.8 KB after, as live.
 */

/** Fields that hold record ids (and the device id): unique, deduplicated within the snapshot but not interned across devices. */
const RECORD_ID_FIELDS = new Set(['id', 'stillId', 'stopId', 'lastRecordId', 'deviceId']);
const EMPTY = Object.freeze([]) as unknown as never[];

export function reviveContext<T>(raw: T, sharedEmpty: never[] = EMPTY): T {
  return revive(raw, sharedEmpty, true);
}

/**
 * The same for objects that already have one layout per key list (msgpack
 * records, actors/hibernation.ts): strings and empty lists are replaced in
 * place, no object is rebuilt. A third of reviveContext's time.
 */
export function reviveInPlace<T>(raw: T, sharedEmpty: never[] = EMPTY): T {
  return revive(raw, sharedEmpty, false);
}

function revive<T>(raw: T, sharedEmpty: never[], rebuildObjects: boolean): T {
  // Record ids kept once per context (detached), names interned across devices: either way no kept string is a slice.
  const local = new Map<string, string>();
  const str = (key: string | null, v: string): string => {
    if (key !== null && RECORD_ID_FIELDS.has(key)) {
      const hit = local.get(v);
      if (hit !== undefined) return hit;
      const own = detach(v);
      local.set(own, own);
      return own;
    }
    return intern(v);
  };
  const walk = (key: string | null, v: unknown): unknown => {
    if (typeof v === 'string') return str(key, v);
    if (Array.isArray(v)) {
      if (v.length === 0) return sharedEmpty;
      for (let i = 0; i < v.length; i++) v[i] = walk(key, v[i]);
      return v;
    }
    if (v === null || typeof v !== 'object') return v;
    const o = v as Record<string, unknown>;
    if (!rebuildObjects) {
      for (const k in o) o[k] = walk(k, o[k]);
      return o;
    }
    const keys = Object.keys(o);
    const values = new Array<unknown>(keys.length);
    // revived in place too: DeviceActor reads parts of the raw snapshot (connectivity) after this
    for (let i = 0; i < keys.length; i++) values[i] = o[keys[i]!] = walk(keys[i]!, o[keys[i]!]);
    const make = literalOf(keys);
    // a spread copy is at least a fast-properties object whatever the source was
    return make ? make(values) : { ...o };
  };
  return walk(null, raw) as T;
}

const LITERALS_MAX = 512;
const literals = new Map<string, (values: unknown[]) => object>();

/**
 * A function returning `{ k1: v[0], k2: v[1], ... }` as an object literal,
 * one per key list (a context has a few dozen). msgpackr builds an object
 * key by key, and a spread copy keeps that layout: 4 properties in the object,
 * the rest in a separate property array with slack (+40 B to +200 B an object;
 * ~280 B per restored truck). A literal holds them all in the object, as the
 * concern modules' literals do. Keys reach the code only through
 * JSON.stringify (a string literal); `__proto__` would set the prototype in
 * a literal, so such objects (none of ours) keep the spread copy, as do key
 * lists past the cap.
 */
function literalOf(keys: string[]): ((values: unknown[]) => object) | undefined {
  const signature = JSON.stringify(keys);
  let make = literals.get(signature);
  if (make === undefined) {
    if (literals.size >= LITERALS_MAX || keys.includes('__proto__')) return undefined;
    make = new Function('v', `return { ${keys.map((k, i) => `${JSON.stringify(k)}: v[${i}]`).join(', ')} };`) as (values: unknown[]) => object;
    literals.set(signature, make);
  }
  return make;
}
