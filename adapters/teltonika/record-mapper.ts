import type { Alarm, DecodedRecord, DeviceId, Position } from '../../engine/model/index.ts';
import type { AvlRecord } from './avl-parser.ts';
import { addAlarm, applyIoElements, type IoDraft } from './io-apply.ts';
import type { IoRule, IoTable } from './io-map.ts';

/**
 * Turns one raw AVL record into the internal model, or says why it is
 * impossible (the caller skips it). Device time is kept as sent: a record
 * replayed from the device's buffer hours later keeps its own time, and
 * ordering is left to the actors.
 */

export type MapOutcome = { ok: true; record: DecodedRecord } | { ok: false; reason: string };

/** Teltonika priority 2 is the panic button / alarm priority. */
const PRIORITY_PANIC = 2;
/** Alarms that put a record on the urgent lane; harsh driving and the like are ordinary events. */
const URGENT_ALARMS: readonly Alarm[] = ['panic', 'crash'];
const MAX_SPEED_KMH = 2000;
const MAX_HEADING_DEG = 360;

export function mapAvlRecord(raw: AvlRecord, src: Buffer, deviceId: DeviceId, table: IoTable): MapOutcome {
  if (raw.timestampMs === undefined) return { ok: false, reason: 'timestamp beyond 2^53 ms' };
  const lat = raw.latE7 / 1e7;
  const lon = raw.lonE7 / 1e7;
  if (lat < -90 || lat > 90) return { ok: false, reason: `latitude ${lat} outside ±90` };
  if (lon < -180 || lon > 180) return { ok: false, reason: `longitude ${lon} outside ±180` };
  if (raw.speedKmh > MAX_SPEED_KMH) return { ok: false, reason: `speed ${raw.speedKmh} km/h above ${MAX_SPEED_KMH}` };
  if (raw.angleDeg > MAX_HEADING_DEG) return { ok: false, reason: `angle ${raw.angleDeg}° above ${MAX_HEADING_DEG}` };

  const position: Position = {
    lat,
    lon,
    altitudeM: raw.altitudeM,
    speedKmh: raw.speedKmh,
    headingDeg: raw.angleDeg,
    satellites: raw.satellites,
    // Without a fix the device repeats the last fix with 0 satellites (and
    // 0 angle and speed); it has no separate validity flag.
    valid: raw.satellites > 0,
  };

  const draft: IoDraft = {};
  applyIoElements(table, src, raw.io, raw.nxFrom, draft);
  if (raw.priority === PRIORITY_PANIC) addAlarm(draft, 'panic');
  if (raw.eventIoId !== 0) (draft.attributes ??= {}).eventIoId = raw.eventIoId;
  if (raw.generationType !== undefined) (draft.attributes ??= {}).generationType = raw.generationType;
  if (draft.hdop !== undefined) position.hdop = draft.hdop;

  const record: DecodedRecord = { deviceId, protocol: 'teltonika', deviceTime: raw.timestampMs, position };
  if (draft.ignition !== undefined) record.ignition = draft.ignition;
  if (draft.moving !== undefined) record.moving = draft.moving;
  if (draft.engine !== undefined) record.engine = draft.engine;
  if (draft.probes !== undefined) record.probes = draft.probes;
  if (draft.driverId !== undefined) record.driverId = draft.driverId;
  if (draft.alarms !== undefined) {
    record.alarms = draft.alarms;
    // Left unset otherwise so the ingest layer's default applies.
    if (draft.alarms.some((a) => URGENT_ALARMS.includes(a))) record.priority = 'critical';
  }
  if (draft.attributes !== undefined) record.attributes = draft.attributes;
  return { ok: true, record };
}

/**
 * True when mapping `raw` could make it critical: panic priority, or an IO
 * element the table maps to an urgent alarm, whatever its value. It is read
 * before a record is mapped (replay-peek.ts) and errs towards true.
 */
export function mayBeCritical(raw: AvlRecord, table: IoTable): boolean {
  if (raw.priority === PRIORITY_PANIC) return true;
  const ids = urgentIoIds(table);
  for (let i = 0; i < raw.io.length; i += 3) if (ids.has(raw.io[i]!)) return true;
  return false;
}

const urgentIds = new WeakMap<IoTable, ReadonlySet<number>>();

function urgentIoIds(table: IoTable): ReadonlySet<number> {
  let ids = urgentIds.get(table);
  if (ids === undefined) {
    ids = new Set([...table.rules.values()].filter(raisesUrgentAlarm).map((r) => r.id));
    urgentIds.set(table, ids);
  }
  return ids;
}

function raisesUrgentAlarm(rule: IoRule): boolean {
  if (rule.field !== 'alarm') return false;
  const alarms = typeof rule.alarm === 'string' ? [rule.alarm] : Object.values(rule.alarm);
  return alarms.some((a) => URGENT_ALARMS.includes(a));
}
