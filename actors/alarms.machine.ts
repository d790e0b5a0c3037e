import { alarmEvents, hasStandaloneAlarm } from './alarms.ts';
import { emitOnly, type GuardArgs } from './device-setup.ts';

/** Alarms region: one state; on arrival, never reordered. */
export const alarmActions = {
  'alarms.emit': emitOnly('record', (_ctx, e) => alarmEvents(e.record)),
};

export const alarmGuards = {
  'alarms.present': ({ event }: GuardArgs) => event.type === 'record' && hasStandaloneAlarm(event.record),
};

export const alarmRegion = {
  on: { record: { guard: 'alarms.present', actions: ['alarms.emit'] } },
} as const;
