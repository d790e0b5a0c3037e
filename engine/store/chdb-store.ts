import fs from 'node:fs';
import { Session } from 'chdb';
import { yieldIfDue } from '../scheduling/turn-budget.ts';
import { MODERN, schemaStatements } from './schema.ts';
import type { EventRow, RecordRow } from './rows.ts';
import { StoreQueryError, StoreUnavailableError, capSettings, sqlString, type JsonResult, type QueryCaps, type TelemetryStore } from './telemetry-store.ts';

/**
 * Embedded ClickHouse (chDB) under the data folder. chDB is a process
 * singleton per data path, so exactly one of these lives in the platform
 * process (the store role on the main thread).
 */
export class ChdbStore implements TelemetryStore {
  readonly kind = 'chdb' as const;
  readonly database = 'fleetline';
  private session: Session | undefined;

  constructor(private readonly path: string) {
    fs.mkdirSync(path, { recursive: true });
    this.session = new Session(path);
  }

  /** Opens the session again after close() (an operator's maintenance, or a drill). */
  async reopen(): Promise<void> {
    await this.queue;
    if (this.session?.open) return;
    this.session = new Session(this.path);
    await this.exclusive((db) => db.queryAsync(`USE ${this.database}`));
  }

  /**
   * One chDB call at a time. Two reasons: the connection is shared by the sink
   * and the API, and chDB 26 leaves the partial output of a query that failed
   * while running in its buffer and prepends it to the next result; the guard
   * below flushes it with a throwaway query before anyone else reads.
   */
  private queue: Promise<unknown> = Promise.resolve();

  private exclusive<T>(fn: (db: Session) => Promise<T>): Promise<T> {
    const run = this.queue.then(async () => {
      const db = this.db;
      try {
        return await fn(db);
      } catch (err) {
        await db.queryAsync('SELECT 1', { format: 'TSV' }).catch(() => undefined);
        throw err;
      }
    });
    this.queue = run.catch(() => undefined);
    return run;
  }

  private get db(): Session {
    if (!this.session?.open) throw new StoreUnavailableError('the embedded ClickHouse (chDB) session is closed');
    return this.session;
  }

  async migrate(): Promise<void> {
    await this.exclusive(async (db) => {
      for (const sql of schemaStatements(this.database, MODERN)) await db.queryAsync(sql);
      // Analysts write `FROM positions`, not `FROM fleetline.positions`; the session keeps this.
      await db.queryAsync(`USE ${this.database}`);
    });
  }

  private async insert(table: string, rows: readonly object[]): Promise<void> {
    if (rows.length === 0) return;
    // Serialising ten thousand rows takes tens of ms: in slices, so the main thread's other work gets turns.
    // Each line goes straight into the payload: joining them first made one more string as large as the
    // insert (11 % of what the main thread allocated in the bench heap profile).
    let payload = Buffer.allocUnsafe(Math.max(4096, rows.length * 1024));
    let at = 0;
    for (let i = 0; i < rows.length; i++) {
      const line = JSON.stringify(rows[i]);
      // UTF-8 takes at most three bytes per UTF-16 unit.
      if (at + line.length * 3 + 1 > payload.length) {
        const grown = Buffer.allocUnsafe(Math.max(payload.length * 2, at + line.length * 3 + 1));
        payload.copy(grown, 0, 0, at);
        payload = grown;
      }
      if (i > 0) payload[at++] = 0x0a;
      at += payload.write(line, at, 'utf8');
      if ((i & 255) === 255) await yieldIfDue();
    }
    payload = payload.subarray(0, at);
    try {
      await this.exclusive((db) => db.insert({ table: `${this.database}.${table}`, values: payload, format: 'JSONEachRow' }));
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
    const text = await this.exclusive(async (db) => (await db.queryAsync(sql, { format: 'JSONEachRow' })).text());
    return text.trim() === '' ? [] : text.trim().split('\n').map((l) => JSON.parse(l) as T);
  }

  analystQuery(sql: string, caps: QueryCaps): Promise<JsonResult> {
    return this.exclusive((db) => this.analystQueryOn(db, sql, caps));
  }

  private async analystQueryOn(db: Session, sql: string, caps: QueryCaps): Promise<JsonResult> {
    // chDB executes every statement of a multi-statement string; ClickHouse's own
    // parser normalises the text to exactly one statement first, or refuses it.
    let single: string;
    try {
      const r = await db.queryAsync(`SELECT formatQuerySingleLine(${sqlString(sql)}) AS q`, { format: 'JSONEachRow' });
      single = (JSON.parse(r.text()) as { q: string }).q;
    } catch (err) {
      throw new StoreQueryError(cleanMessage(err), codeOf(err));
    }
    const settings = capSettings(caps)
      .map(([k, v]) => `${k} = ${typeof v === 'number' ? v : sqlString(v)}`)
      .join(', ');
    try {
      const r = await db.queryAsync(`${single}\nSETTINGS ${settings}`, { format: 'JSON', timeout: caps.maxSeconds * 1000 + 5000 });
      const text = r.text();
      if (text.trim() === '') return { meta: [], data: [], rows: 0 };
      try {
        return JSON.parse(text) as JsonResult;
      } catch {
        throw new StoreQueryError('the answer is always JSON: remove the FORMAT clause');
      }
    } catch (err) {
      if (err instanceof StoreQueryError) throw err;
      throw new StoreQueryError(cleanMessage(err), codeOf(err));
    }
  }

  async ping(): Promise<boolean> {
    try {
      await this.exclusive((db) => db.queryAsync('SELECT 1'));
      return true;
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {
    await this.queue;
    this.session?.close();
    this.session = undefined;
  }
}

function codeOf(err: unknown): number | undefined {
  return (err as { clickhouseCode?: number }).clickhouseCode;
}

function cleanMessage(err: unknown): string {
  return String((err as Error).message ?? err).replace(/\s*In scope SELECT formatQuerySingleLine.*$/s, '').trim();
}
