import type { EventRow, RecordRow } from './rows.ts';

/**
 * Where analysts' data lives. Two implementations share this contract and
 * one conformance suite: embedded chDB (default) and a ClickHouse server.
 */

export interface QueryCaps {
  maxRows: number;
  maxSeconds: number;
}

/** ClickHouse's JSON output shape, answered as-is by POST /v1/sql. */
export interface JsonResult {
  meta: { name: string; type: string }[];
  data: Record<string, unknown>[];
  rows: number;
  statistics?: Record<string, number>;
}

export interface TelemetryStore {
  readonly kind: 'chdb' | 'clickhouse-server';
  readonly database: string;
  migrate(): Promise<void>;
  insertRecords(rows: readonly RecordRow[]): Promise<void>;
  insertEvents(rows: readonly EventRow[]): Promise<void>;
  /** Our own trusted SQL; rows as objects. */
  select<T>(sql: string): Promise<T[]>;
  /** Someone else's SQL: read-only and capped by ClickHouse's own settings. */
  analystQuery(sql: string, caps: QueryCaps): Promise<JsonResult>;
  ping(): Promise<boolean>;
  close(): Promise<void>;
}

/** The query itself is wrong (syntax, unknown table, read-only violation, caps): a 400 with ClickHouse's words. */
export class StoreQueryError extends Error {
  override readonly name = 'StoreQueryError';
  constructor(
    message: string,
    readonly clickhouseCode?: number,
  ) {
    super(message);
  }
}

/** The store could not be reached or failed: retry later, do not acknowledge. */
export class StoreUnavailableError extends Error {
  override readonly name = 'StoreUnavailableError';
}

/** Settings that make a query read-only and bounded; readonly comes last so the caps can still be set. */
export function capSettings(caps: QueryCaps): [string, string | number][] {
  return [
    ['max_execution_time', caps.maxSeconds],
    ['max_result_rows', caps.maxRows],
    ['result_overflow_mode', 'throw'],
    ['readonly', 1],
  ];
}

/** Literal for SQL we build ourselves; our ids are validated tokens, this is defence in depth. */
export function sqlString(s: string): string {
  return `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

export function sqlInt(n: number): string {
  if (!Number.isSafeInteger(n)) throw new StoreQueryError(`not an integer: ${n}`);
  return String(n);
}
