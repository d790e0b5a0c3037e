/**
 * The analyst-facing tables. Two dialects: ClickHouse 26 (chDB, current servers)
 * and old servers without DateTime64 (Debian's 18.16). Inserts only ever write
 * the `*_ms` columns; the readable DateTime columns are computed by DEFAULT, so
 * the insert path is identical on both.
 *
 * ReplacingMergeTree keyed by the record/event id collapses any duplicate that
 * slipped past insert-time de-duplication; queries that must be exact use FINAL.
 */

export interface Dialect {
  dateTime: (msColumn: string) => string;
  skipIndex: (column: string) => string;
}

export const MODERN: Dialect = {
  dateTime: (ms) => `DateTime64(3, 'UTC') DEFAULT fromUnixTimestamp64Milli(${ms})`,
  skipIndex: (c) => `,\n  INDEX ${c}_bloom ${c} TYPE bloom_filter GRANULARITY 4`,
};

/** Old servers do not fill DEFAULT columns omitted from JSONEachRow, so the readable time is MATERIALIZED there. */
export const LEGACY: Dialect = {
  dateTime: (ms) => `DateTime('UTC') MATERIALIZED toDateTime(intDiv(${ms}, 1000), 'UTC')`,
  skipIndex: () => '',
};

export function schemaStatements(db: string, d: Dialect): string[] {
  return [
    `CREATE DATABASE IF NOT EXISTS ${db}`,
    `CREATE TABLE IF NOT EXISTS ${db}.records (
  tenant_id String,
  device_id String,
  record_id String,
  device_time_ms Int64,
  received_at_ms Int64,
  device_time ${d.dateTime('device_time_ms')},
  received_at ${d.dateTime('received_at_ms')},
  protocol String,
  priority String,
  has_position UInt8,
  lat Float64,
  lon Float64,
  altitude_m Nullable(Float64),
  speed_kmh Float64,
  heading_deg Nullable(Float64),
  satellites Nullable(UInt8),
  ignition Nullable(UInt8),
  driver_id String,
  alarms Array(String),
  record_json String${d.skipIndex('record_id')}
) ENGINE = ReplacingMergeTree
PARTITION BY toYYYYMM(device_time)
ORDER BY (tenant_id, device_id, device_time_ms, record_id)`,
    `CREATE VIEW IF NOT EXISTS ${db}.positions AS
SELECT tenant_id, device_id, record_id, device_time, device_time_ms, received_at, lat, lon, altitude_m,
       speed_kmh, heading_deg, satellites, ignition
FROM ${db}.records WHERE has_position = 1`,
    `CREATE TABLE IF NOT EXISTS ${db}.events (
  tenant_id String,
  device_id String,
  event_id String,
  type String,
  time_ms Int64,
  time ${d.dateTime('time_ms')},
  critical UInt8,
  data_json String${d.skipIndex('event_id')}
) ENGINE = ReplacingMergeTree
PARTITION BY toYYYYMM(time)
ORDER BY (tenant_id, device_id, time_ms, event_id)`,
  ];
}
