import type { Alarm, TelemetryRecord } from '../engine/model/index.ts';
import { iso } from './geo.ts';
import type { DerivedEvent } from './derived-event.ts';
import { out, toDerivedEvent, type EventType, type Out } from './events.ts';

/**
 * Device alarms that stand alone: derived the moment the record arrives,
 * never held in the reorder window (panic and crash are critical and must go
 * out ahead of bulk work). The event id is the record's, so a redelivery
 * gives the same id. Harsh-driving alarms are not here: they feed the
 * ordered driver-behaviour concern (per-driver scores).
 */
export const ALARM_EVENTS: Partial<Record<Alarm, EventType>> = {
  panic: 'alarm.panic',
  crash: 'alarm.crash',
  tamper: 'alarm.tamper',
  powerCut: 'alarm.powercut',
  jamming: 'alarm.jamming',
  lowBattery: 'alarm.lowbattery',
  vibration: 'alarm.vibration',
};

export function hasStandaloneAlarm(r: TelemetryRecord): boolean {
  return r.alarms?.some((a) => ALARM_EVENTS[a] !== undefined) ?? false;
}

export function alarmEvents(r: TelemetryRecord): Out[] {
  if (!r.alarms) return [];
  const p = r.position && r.position.valid !== false ? r.position : undefined;
  const data = {
    lat: p?.lat ?? null,
    lon: p?.lon ?? null,
    speedKmh: p?.speedKmh ?? null,
    driverId: r.driverId ?? r.tachograph?.driverId ?? null,
    receivedAt: iso(r.receivedAt),
  };
  const events: Out[] = [];
  for (const a of new Set(r.alarms)) {
    const type = ALARM_EVENTS[a];
    if (type) events.push(out(type as 'alarm.panic', r.deviceTime, r.id, data));
  }
  return events;
}

/** The alarm events of one record, whole: what the urgent lane and the adapters publish ahead of the device's actor. */
export function alarmEventsOf(r: TelemetryRecord): DerivedEvent[] {
  return alarmEvents(r).map((o) => toDerivedEvent(r.tenantId, r.deviceId, o));
}
