import { z } from 'zod';
import { json, type Reply } from '../../engine/http/uws.ts';
import { StoreQueryError, type QueryCaps, type TelemetryStore } from '../../engine/store/telemetry-store.ts';
import type { Principal } from '../auth.ts';

const SqlBody = z.object({ query: z.string().min(1).max(100_000) });

/** POST /v1/sql: admin only; ClickHouse enforces read-only and the caps. */
export async function postSql(p: Principal, body: Buffer, store: TelemetryStore, caps: QueryCaps): Promise<Reply> {
  if (!p.admin) return json(403, { error: 'the SQL endpoint needs the admin key' });
  let parsed: z.infer<typeof SqlBody>;
  try {
    const r = SqlBody.safeParse(JSON.parse(body.toString('utf8')));
    if (!r.success) return json(400, { error: 'body must be {"query": "<SQL>"}' });
    parsed = r.data;
  } catch {
    return json(400, { error: 'body must be JSON: {"query": "<SQL>"}' });
  }
  try {
    return json(200, await store.analystQuery(parsed.query, caps));
  } catch (err) {
    if (err instanceof StoreQueryError) return json(400, { error: err.message, clickhouseCode: err.clickhouseCode ?? null });
    throw err;
  }
}
