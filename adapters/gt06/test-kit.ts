import { stepSnapshot } from '../tcp/conformance.ts';
import type { ProtocolSession, SessionLimits, SessionStep } from '../tcp/protocol-session.ts';
import { Gt06Framer } from './framer.ts';
import { createGt06Session } from './session.ts';

/** Shared by the GT06 tests and the fuzz script: one place for limits, clock and step comparison. */

export const TEST_LIMITS: SessionLimits = { maxFrameBytes: 4096, maxRecordsPerPacket: 255 };
export const TEST_NOW = Date.UTC(2024, 0, 2, 3, 4, 5);

export function newSession(limits: SessionLimits = TEST_LIMITS): ProtocolSession {
  return createGt06Session(limits, { now: () => TEST_NOW });
}

export function hex(s: string): Buffer {
  return Buffer.from(s.replace(/\s+/g, ''), 'hex');
}

/** A step as plain data (buffers as hex, errors as code + message), so steps compare with toEqual. */
export type StepSnapshot = Record<string, unknown>;

export function snapshot(step: SessionStep): StepSnapshot {
  const base = stepSnapshot(step);
  // GT06 tests also pin the error message, not only its code.
  return step.kind === 'ignored' || step.kind === 'close' ? { ...base, message: step.error.message } : base;
}

/** Feeds chunks in order and returns every step as a snapshot. */
export function feed(session: ProtocolSession, chunks: Iterable<Buffer>): StepSnapshot[] {
  const out: StepSnapshot[] = [];
  for (const c of chunks) for (const s of session.push(c)) out.push(snapshot(s));
  return out;
}

/** Cuts `buf` at the given offsets (sorted, deduplicated, inside the buffer). */
export function cutAt(buf: Buffer, offsets: number[]): Buffer[] {
  const cuts = [...new Set(offsets.filter((o) => o > 0 && o < buf.length))].sort((a, b) => a - b);
  const out: Buffer[] = [];
  let prev = 0;
  for (const c of cuts) {
    out.push(buf.subarray(prev, c));
    prev = c;
  }
  out.push(buf.subarray(prev));
  return out;
}

/** The content of a single-frame vector, copied out of the framer. */
export function contentOf(frame: Buffer): Buffer {
  const [ev] = new Gt06Framer(0x10000).push(frame);
  if (ev?.kind !== 'frame') throw new Error(`not one sound frame: ${frame.toString('hex')}`);
  return Buffer.from(ev.frame.content);
}
