import { ClickHouseLogLevel, createClient, type ClickHouseClient } from '@clickhouse/client';
import { LEGACY, MODERN, schemaStatements } from './schema.ts';
import type { EventRow, RecordRow } from './rows.ts';
import { StoreQueryError, StoreUnavailableError, capSettings, type JsonResult, type QueryCaps, type TelemetryStore } from './telemetry-store.ts';

/**
 * A ClickHouse server through @clickhouse/client (CLICKHOUSE_URL). Works with
 * current servers and, for transport, with old ones that lack DateTime64 and
 * query parameters (Debian's 18.16): the dialect is chosen from version().
 */
export class ServerStore implements TelemetryStore {
  readonly kind = 'clickhouse-server' as const;
  readonly database: string;
  private readonly client: ClickHouseClient;
  /** Same server, default database ours: analysts write `FROM positions`. It is only used after migrate() created the database. */
  private readonly analystClient: ClickHouseClient;
  private legacy = false;

  constructor(url: string, database = 'fleetline') {
    const u = new URL(url);
    // A database in the URL path wins; otherwise ours.
    const fromPath = u.pathname.replace(/^\//, '');
    this.database = fromPath || database;
    u.pathname = '/';
    const common = {
      url: u.toString().replace(/\/$/, ''),
      request_timeout: 30_000,
      max_open_connections: 4,
      compression: { request: false, response: false },
      // Failures are ours to report (typed, once); the client's own error log would repeat each one.
      log: { level: ClickHouseLogLevel.OFF },
    };
    this.client = createClient(common);
    this.analystClient = createClient({ ...common, database: this.database });
  }

  private async exec(sql: string): Promise<void> {
    try {
      await this.client.command({ query: sql });
    } catch (err) {
      throw asStoreError(err);
    }
  }

  async migrate(): Promise<void> {
    const [{ v } = { v: '0' }] = await this.select<{ v: string }>('SELECT version() AS v');
    this.legacy = Number(v.split('.')[0]) < 20;
    for (const sql of schemaStatements(this.database, this.legacy ? LEGACY : MODERN)) await this.exec(sql);
  }

  private async insert(table: string, rows: readonly object[]): Promise<void> {
    if (rows.length === 0) return;
    try {
      await this.client.insert({ table: `${this.database}.${table}`, values: rows as object[], format: 'JSONEachRow' });
    } catch (err) {
      throw new StoreUnavailableError(`insert into ${table} failed: ${(err as Error).message}`, { cause: err });
    }
  }

  insertRecords(rows: readonly RecordRow[]): Promise<void> {
    return this.insert('records', rows);
  }

  insertEvents(rows: readonly EventRow[]): Promise<void> {
    return this.insert('events', rows);
  }

  async select<T>(sql: string): Promise<T[]> {
    try {
      const rs = await this.client.query({ query: sql, format: 'JSONEachRow' });
      return (await rs.json()) as T[];
    } catch (err) {
      throw asStoreError(err);
    }
  }

  async analystQuery(sql: string, caps: QueryCaps): Promise<JsonResult> {
    // The HTTP interface runs one statement per request; readonly=1 comes last
    // among the URL settings so the caps are set before it locks them.
    const settings = Object.fromEntries(capSettings(caps).map(([k, v]) => [k, String(v)]));
    try {
      const rs = await this.analystClient.query({
        query: sql,
        format: 'JSON',
        clickhouse_settings: settings as Record<string, string>,
      });
      // An error while rows stream (a cap hit) arrives inside a 200 body, after part of the JSON.
      const text = await rs.text();
      try {
        return JSON.parse(text) as JsonResult;
      } catch {
        const m = /Code: (\d+)[^\n]*/.exec(text);
        throw new StoreQueryError(m?.[0] ?? 'ClickHouse answered with unreadable JSON', m ? Number(m[1]) : undefined);
      }
    } catch (err) {
      if (err instanceof StoreQueryError) throw err;
      throw asStoreError(err);
    }
  }

  async ping(): Promise<boolean> {
    try {
      const r = await this.client.ping();
      return r.success;
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {
    await Promise.all([this.client.close(), this.analystClient.close()]);
  }
}

function asStoreError(err: unknown): Error {
  const e = err as { code?: string; message?: string; type?: string };
  // Server-side errors carry a numeric ClickHouse code (old servers only in the text);
  // transport errors have errno-style codes (ECONNREFUSED...) and mean "retry later".
  const code = e.code !== undefined && /^\d+$/.test(e.code) ? Number(e.code) : Number(/^Code: (\d+)/.exec(e.message ?? '')?.[1] ?? NaN);
  if (Number.isFinite(code)) return new StoreQueryError(e.message ?? String(err), code);
  return new StoreUnavailableError(`ClickHouse server unreachable: ${e.message ?? String(err)}`, { cause: err });
}
