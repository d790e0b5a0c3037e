/**
 * One frozen empty array shared by every device: an empty `[]` costs 32 bytes
 * of heap, and most devices have empty probe, tyre, door, DTC, geofence and
 * reorder lists. Frozen, so a concern that forgot to copy before mutating
 * fails loudly instead of corrupting every device.
 */
const EMPTY = Object.freeze([]) as unknown as never[];

export function none<T>(): T[] {
  return EMPTY;
}

/**
 * `list` without spare capacity, to keep in a context. V8 grows an array by
 * half plus 16 slots: one built by push, filter, splice or spread (`[...a, x]`)
 * holds room for ~16 more elements, 128 B of nothing for a list of one fence,
 * DTC or held sample. `slice()` allocates exactly its length.
 */
export function exact<T>(list: T[]): T[] {
  return list.length === 0 ? EMPTY : list.slice();
}
