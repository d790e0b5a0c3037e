export * from './ids.ts';
export * from './telemetry-record.ts';
export * from './partition.ts';
export * from './wire.ts';
export * from './record-id.ts';
export * from './record-batch.ts';
export * from './checked-records.ts';
export * from './record-check.ts';
