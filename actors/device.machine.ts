import { assign, emit, setup } from 'xstate';
import type { DeviceId, TelemetryRecord, TenantId } from '../engine/model/index.ts';
import { isSilent, seen, type ConnectivitySlice } from './connectivity.ts';
import { derivedEventId, type DerivedEvent } from './derived-event.ts';
import { nextLivePosition, type LivePosition } from './live-position.ts';

/**
 * One machine per device, one region per concern. Each concern keeps its
 * arithmetic in a pure module; this file only wires regions, context slices and
 * named actions together. There is no Date.now() in here: time comes in events
 * (record times, and `now` on the shard's silence sweep), so tests drive the clock.
 */

export interface DeviceContext {
  tenantId: TenantId;
  deviceId: DeviceId;
  connectivity: ConnectivitySlice;
  position: LivePosition | null;
  records: number;
}

export interface DeviceInput {
  tenantId: TenantId;
  deviceId: DeviceId;
  offlineAfterMs: number;
}

export type DeviceEvent =
  | { type: 'record'; record: TelemetryRecord }
  /** Sent by the shard's sweep to devices whose silence may have run out. */
  | { type: 'silence.check'; now: number };

export type DeviceEmitted = { type: 'derived'; event: DerivedEvent };

function derived(ctx: DeviceContext, type: string, time: number, cause: string, critical = false, data: DerivedEvent['data'] = {}): DeviceEmitted {
  return {
    type: 'derived',
    event: { id: derivedEventId(ctx.tenantId, ctx.deviceId, type, cause), type, tenantId: ctx.tenantId, deviceId: ctx.deviceId, time, critical, data },
  };
}

export const deviceMachine = setup({
  types: {
    context: {} as DeviceContext,
    events: {} as DeviceEvent,
    input: {} as DeviceInput,
    emitted: {} as DeviceEmitted,
  },
  actions: {
    applyRecord: assign(({ context, event }) => {
      if (event.type !== 'record') return {};
      return {
        connectivity: seen(context.connectivity, event.record),
        position: nextLivePosition(context.position, event.record),
        records: context.records + 1,
      };
    }),
    emitOnline: emit(({ context, event }) => {
      const rec = (event as Extract<DeviceEvent, { type: 'record' }>).record;
      return derived(context, 'device.online', rec.deviceTime, rec.id);
    }),
    emitOffline: emit(({ context }) =>
      derived(context, 'device.offline', context.position?.time ?? context.connectivity.lastSeen, context.connectivity.lastRecordId, false, {
        lastSeen: new Date(context.connectivity.lastSeen).toISOString(),
        silentForS: Math.round(context.connectivity.offlineAfterMs / 1000),
      }),
    ),
  },
  guards: {
    silenceRanOut: ({ context, event }) => event.type === 'silence.check' && isSilent(context.connectivity, event.now),
  },
}).createMachine({
  id: 'device',
  type: 'parallel',
  context: ({ input }) => ({
    tenantId: input.tenantId,
    deviceId: input.deviceId,
    connectivity: { lastSeen: 0, lastRecordId: '', offlineAfterMs: input.offlineAfterMs },
    position: null,
    records: 0,
  }),
  states: {
    connectivity: {
      initial: 'unknown',
      states: {
        unknown: {
          on: { record: { target: 'online', actions: ['applyRecord'] } },
        },
        online: {
          on: {
            record: { actions: ['applyRecord'] },
            'silence.check': { guard: 'silenceRanOut', target: 'offline', actions: ['emitOffline'] },
          },
        },
        offline: {
          on: { record: { target: 'online', actions: ['applyRecord', 'emitOnline'] } },
        },
      },
    },
  },
});
