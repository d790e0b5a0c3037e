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
