import { z } from 'zod';
import { json, type Reply } from '../../engine/http/uws.ts';
import { sqlInt, sqlString, type TelemetryStore } from '../../engine/store/telemetry-store.ts';
import type { Principal } from '../auth.ts';
import type { DeviceStateClient } from '../device-state-client.ts';
import { POSITIONS_DEFAULT_LIMIT, POSITIONS_MAX_LIMIT, TimeParam, historyRequest, isReply } from './devices.ts';

const EventsQuery = z.object({
  from: TimeParam.optional(),
  to: TimeParam.optional(),
  type: z
    .string()
    .regex(/^[a-z]+(\.[a-z]+)*(,[a-z]+(\.[a-z]+)*)*$/, 'type is an event type such as trip.ended, or a comma list of them')
    .optional(),
  limit: z.coerce.number().int().min(1).max(POSITIONS_MAX_LIMIT).default(POSITIONS_DEFAULT_LIMIT),
});

interface EventRowOut {
  event_id: string;
  type: string;
  t: string | number;
  critical: number;
  data_json: string;
}

/** GET /v1/devices/{id}/events: derived events from ClickHouse, oldest first, `time` = device time of the event. */
export async function getEvents(p: Principal, id: string, query: string, state: DeviceStateClient, store: TelemetryStore): Promise<Reply> {
  const req = await historyRequest(p, id, query, EventsQuery, state);
  if (isReply(req)) return req;
  const { q, from, to } = req;
  const types = q.type ? q.type.split(',') : [];
  const rows = await store.select<EventRowOut>(
    `SELECT event_id, type, time_ms AS t, critical, data_json
     FROM ${store.database}.events FINAL
     WHERE tenant_id = ${sqlString(p.tenantId)} AND device_id = ${sqlString(id)}
       AND time_ms >= ${sqlInt(from)} AND time_ms <= ${sqlInt(to)}
       ${types.length ? `AND type IN (${types.map(sqlString).join(', ')})` : ''}
     ORDER BY time_ms, event_id
     LIMIT ${sqlInt(q.limit)}`,
  );
  return json(
    200,
    rows.map((r) => ({
      // Event data first, so the contract fields below always win a name clash.
      ...(JSON.parse(r.data_json) as Record<string, unknown>),
      id: r.event_id,
      type: r.type,
      deviceId: id,
      time: new Date(Number(r.t)).toISOString(),
      critical: Number(r.critical) === 1,
    })),
  );
}
