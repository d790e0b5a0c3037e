import { Packr } from 'msgpackr';
import { none } from './empty.ts';
import { reviveInPlace } from './revive.ts';

/**
 * A quiet device's context as bytes, kept in memory instead of its objects.
 *
 * Why: at 100,000 live actors most contexts change once a minute, yet every
 * full collection of the shard's heap marks all of them; bytes are one object
 * for the collector. Measured (bench/README, "Reading a latency spike"): it
 * cut the shard's live heap by a fifth to a third but not its collections,
 * for 15-20 % more of its CPU, so FLEET_HIBERNATE_AFTER_S is off by default:
 * a setting for a node short of memory.
 *
 * The encoding is msgpack with records whose key lists are shared by every
 * context this thread put to sleep (structures): a context is ~570 B instead
 * of ~1,570 B, and reads back in ~10 µs instead of ~26 µs, as objects that
 * already have one layout per key list. The key lists live only in this
 * thread, so these bytes never leave it: what is written to KV stays the
 * self-describing snapshot (engine/model/wire.ts).
 */
const packr = new Packr({ useRecords: true, structures: [], mapsAsObjects: true, maxSharedStructures: 8160 } as ConstructorParameters<typeof Packr>[0]);

/** The bytes of a context. Copied out of the encoder's buffer: a slice of it would pin the whole chunk for as long as the device sleeps. */
export function putToSleep(context: object): Uint8Array {
  const packed = packr.pack(context);
  const own = new Uint8Array(packed.length);
  own.set(packed);
  return own;
}

/** The context back, as compact as a live one (revive.ts); the bytes are not used after. */
export function wakeUp<T>(bytes: Uint8Array): T {
  return reviveInPlace(packr.unpack(bytes) as T, none());
}
