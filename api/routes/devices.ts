import { z } from 'zod';
import { isValidIdToken, type DeviceId, type TenantId } from '../../engine/model/index.ts';
import { json, type Reply } from '../../engine/http/uws.ts';
import { sqlInt, sqlString, type TelemetryStore } from '../../engine/store/telemetry-store.ts';
import type { DeviceStateClient } from '../device-state-client.ts';
import type { Principal } from '../auth.ts';

export const POSITIONS_DEFAULT_LIMIT = 1000;
export const POSITIONS_MAX_LIMIT = 100_000;

/** ISO-8601 or epoch milliseconds. */
export const TimeParam = z
  .string()
  .transform((s, ctx) => {
    const ms = /^\d+$/.test(s) ? Number(s) : Date.parse(s);
    if (!Number.isFinite(ms)) {
      ctx.addIssue({ code: 'custom', message: `${JSON.stringify(s.slice(0, 40))} is not an ISO-8601 time or epoch milliseconds` });
      return z.NEVER;
    }
    return ms;
  });

const PositionsQuery = z.object({
  from: TimeParam.optional(),
  to: TimeParam.optional(),
  limit: z.coerce.number().int().min(1).max(POSITIONS_MAX_LIMIT).default(POSITIONS_DEFAULT_LIMIT),
});

export function badDeviceId(id: string): Reply | undefined {
  return isValidIdToken(id) ? undefined : json(400, { error: 'device id must be 1-64 characters of A-Z a-z 0-9 _ -' });
}

export async function getDevice(p: Principal, id: string, state: DeviceStateClient): Promise<Reply> {
  const bad = badDeviceId(id);
  if (bad) return bad;
  const view = await state.get(p.tenantId as TenantId, id as DeviceId);
  if (!view) return json(404, { error: `device ${id} is not known` });
  const { tenantId: _t, records: _r, ...pub } = view;
  return json(200, pub);
}

interface PositionRow {
  lat: number;
  lon: number;
  speed: number;
  heading: number | null;
  t: string | number;
}

/**
 * The common front of the history routes: a valid device id, a query that
 * parses (from/to as ISO-8601 or epoch ms, from <= to), and a device this
 * tenant knows. Returns the parsed query, or the Reply that ends the request.
 */
export async function historyRequest<S extends z.ZodType<{ from?: number | undefined; to?: number | undefined }>>(
  p: Principal,
  id: string,
  query: string,
  schema: S,
  state: DeviceStateClient,
): Promise<{ q: z.infer<S>; from: number; to: number } | Reply> {
  const bad = badDeviceId(id);
  if (bad) return bad;
  const parsed = schema.safeParse(Object.fromEntries(new URLSearchParams(query)));
  if (!parsed.success) {
    const i = parsed.error.issues[0]!;
    return json(400, { error: `${i.path.join('.')}: ${i.message}` });
  }
  const q = parsed.data as z.infer<S>;
  const from = q.from ?? 0;
  const to = q.to ?? 8_640_000_000_000;
  if (from > to) return json(400, { error: 'from is after to' });
  if (!(await state.get(p.tenantId as TenantId, id as DeviceId))) return json(404, { error: `device ${id} is not known` });
  return { q, from, to };
}

export const isReply = (v: object): v is Reply => 'status' in v && 'body' in v;

export async function getPositions(p: Principal, id: string, query: string, state: DeviceStateClient, store: TelemetryStore): Promise<Reply> {
  const req = await historyRequest(p, id, query, PositionsQuery, state);
  if (isReply(req)) return req;
  const { q, from, to } = req;
  const rows = await store.select<PositionRow>(
    `SELECT lat, lon, speed_kmh AS speed, heading_deg AS heading, device_time_ms AS t
     FROM ${store.database}.records FINAL
     WHERE tenant_id = ${sqlString(p.tenantId)} AND device_id = ${sqlString(id)} AND has_position = 1
       AND device_time_ms >= ${sqlInt(from)} AND device_time_ms <= ${sqlInt(to)}
     ORDER BY device_time_ms, record_id
     LIMIT ${sqlInt(q.limit)}`,
  );
  return json(
    200,
    rows.map((r) => ({
      lat: r.lat,
      lon: r.lon,
      speed: Math.round(Number(r.speed) * 10) / 10,
      heading: r.heading === null ? 0 : Number(r.heading),
      time: new Date(Number(r.t)).toISOString(),
    })),
  );
}
