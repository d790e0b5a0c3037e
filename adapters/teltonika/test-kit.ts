import { stepSnapshot } from '../tcp/conformance.ts';
import { expect } from 'vitest';
import {
  DEFAULT_TENANT,
  TelemetryRecordSchema,
  type DecodedRecord,
} from '../../engine/model/index.ts';
import {
  DEFAULT_SESSION_LIMITS,
  type ProtocolSession,
  type SessionLimits,
  type SessionStep,
} from '../tcp/protocol-session.ts';
import { createTeltonikaSession, type TeltonikaSessionOptions } from './session.ts';
import { encodeImei } from './test-encoder.ts';

/** Shared helpers for this folder's tests. */

export const TEST_IMEI = '356307042441013';

export function hex(s: string): Buffer {
  return Buffer.from(s, 'hex');
}

/** A session that has already sent its IMEI (the identify step is checked and dropped). */
export function identifiedSession(
  limits: SessionLimits = DEFAULT_SESSION_LIMITS,
  opts: TeltonikaSessionOptions = {},
): ProtocolSession {
  const session = createTeltonikaSession(limits, opts);
  const steps = session.push(encodeImei(TEST_IMEI));
  expect(steps.map((s) => s.kind)).toEqual(['identify']);
  return session;
}

export function pushChunks(session: ProtocolSession, chunks: readonly Buffer[]): SessionStep[] {
  return chunks.flatMap((c) => session.push(c));
}

/** Splits `buf` at the given sorted, de-duplicated cut points. */
export function cut(buf: Buffer, points: readonly number[]): Buffer[] {
  const sorted = [...new Set(points.filter((p) => p > 0 && p < buf.length))].sort((a, b) => a - b);
  const parts: Buffer[] = [];
  let from = 0;
  for (const p of sorted) {
    parts.push(buf.subarray(from, p));
    from = p;
  }
  parts.push(buf.subarray(from));
  return parts;
}

/** Steps reduced to comparable plain data (errors by code, buffers as hex): the shared conformance form. */
export function summarize(steps: readonly SessionStep[]): unknown[] {
  return steps.map(stepSnapshot);
}

/** A decoded record must become a valid model record once ingest adds its fields. */
export function expectValidModel(rec: DecodedRecord): void {
  const full = { ...rec, id: 'test', tenantId: DEFAULT_TENANT, priority: rec.priority ?? 'normal', receivedAt: 1 };
  const parsed = TelemetryRecordSchema.safeParse(full);
  expect(parsed.success, parsed.success ? '' : JSON.stringify(parsed.error.issues)).toBe(true);
}
