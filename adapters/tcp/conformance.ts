import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ProtocolSession, SessionLimits, SessionStep } from './protocol-session.ts';

/**
 * The conformance suite every binary protocol runs against its session
 * factory. A TCP stream arrives split and glued at arbitrary points, may start
 * or end with noise, and may be hostile; these are the properties the
 * listener relies on, checked the same way for every protocol:
 *
 * - the steps depend on the bytes, never on how they were chunked;
 * - noise never produces an identification, records or an answer;
 * - a length over the cap closes the stream on the header alone;
 * - nothing comes after a `close`, nothing throws, ever;
 * - records come only after an identification, carrying that device's id.
 *
 * Tests only: call it from a `*.test.ts` file.
 */

export interface ConformanceSubject {
  /** Shown in the test report, e.g. 'teltonika'. */
  name: string;
  createSession: (limits: SessionLimits) => ProtocolSession;
  /**
   * A valid stream, one frame per entry, from the protocol's published
   * vectors: the identification (handshake / login) first, then data frames.
   * Each must yield at least one step and none may close the stream.
   */
  frames: readonly Buffer[];
  /** The start of a frame whose length field claims more than `limits.maxFrameBytes`; sent after `frames[0]`. */
  oversizedHeader: Buffer;
  /** Default { maxFrameBytes: 1024, maxRecordsPerPacket: 255 }. Every frame must fit. */
  limits?: SessionLimits;
  /** Bytes that are not a frame of this protocol, for the noise tests. Default: sixteen 0xFF. */
  garbage?: Buffer;
  /** fast-check runs per property (default 200). */
  numRuns?: number;
}

const DEFAULT_LIMITS: SessionLimits = { maxFrameBytes: 1024, maxRecordsPerPacket: 255 };
const STEP_KINDS = new Set<SessionStep['kind']>(['identify', 'records', 'reply', 'ignored', 'close']);

/** A step as plain data, so two runs compare with toEqual (buffers as hex, errors by code). */
export function stepSnapshot(step: SessionStep): Record<string, unknown> {
  switch (step.kind) {
    case 'identify':
      return { kind: step.kind, deviceId: step.deviceId, accept: step.accept?.toString('hex'), reject: step.reject?.toString('hex') };
    case 'records':
      return { kind: step.kind, records: step.records, reply: step.reply?.toString('hex'), skipped: step.skipped };
    case 'reply':
      return { kind: step.kind, reply: step.reply.toString('hex') };
    case 'ignored':
    case 'close':
      return { kind: step.kind, code: step.error.code };
  }
}

/** Pushes each chunk into one fresh session and returns every step. */
export function runChunks(createSession: () => ProtocolSession, chunks: readonly Buffer[]): SessionStep[] {
  const session = createSession();
  return checkedSteps(session, chunks);
}

/**
 * Pushes the chunks and checks the contract on the way: push never throws
 * (a throw fails the test with the chunk that caused it), every step is well
 * formed, nothing follows a close, records follow an identification.
 */
function checkedSteps(session: ProtocolSession, chunks: readonly Buffer[]): SessionStep[] {
  const all: SessionStep[] = [];
  for (const chunk of chunks) {
    let steps: SessionStep[];
    try {
      steps = session.push(chunk);
    } catch (err) {
      throw new Error(`push threw on chunk ${chunk.toString('hex')}: ${String(err)}`);
    }
    all.push(...steps);
  }
  expectContract(session, all);
  return all;
}

function expectContract(session: ProtocolSession, steps: readonly SessionStep[]): void {
  let device: string | undefined;
  steps.forEach((step, i) => {
    const where = `step ${i} (${step.kind})`;
    expect(STEP_KINDS.has(step.kind), `${where}: unknown kind`).toBe(true);
    expect(i < steps.length - 1 && step.kind === 'close', `${where}: steps after a close`).toBe(false);
    switch (step.kind) {
      case 'identify':
        device = step.deviceId;
        break;
      case 'records':
        expect(device, `${where}: records before any identification`).toBeDefined();
        for (const r of step.records) expect(r.deviceId, `${where}: record of another device`).toBe(device);
        break;
      case 'reply':
        expect(Buffer.isBuffer(step.reply), `${where}: reply is not a Buffer`).toBe(true);
        break;
      case 'ignored':
      case 'close':
        expect(step.error.protocol, `${where}: error names another protocol`).toBe(session.protocol);
        break;
    }
  });
}

function splitAt(buf: Buffer, offsets: readonly number[]): Buffer[] {
  const cuts = [...new Set(offsets.filter((o) => o > 0 && o < buf.length))].sort((a, b) => a - b);
  const parts: Buffer[] = [];
  let from = 0;
  for (const c of cuts) {
    parts.push(buf.subarray(from, c));
    from = c;
  }
  parts.push(buf.subarray(from));
  return parts;
}

/** Independent copies, so a session that keeps a view of a chunk cannot be fooled by a later reuse of the buffer. */
function copies(chunks: readonly Buffer[]): Buffer[] {
  return chunks.map((c) => Buffer.from(c));
}

export function describeSessionConformance(subject: ConformanceSubject): void {
  const limits = subject.limits ?? DEFAULT_LIMITS;
  const garbage = subject.garbage ?? Buffer.alloc(16, 0xff);
  const runs = { numRuns: subject.numRuns ?? 200 };
  const fresh = (): ProtocolSession => subject.createSession(limits);
  const stream = Buffer.concat(subject.frames);
  const snap = (steps: readonly SessionStep[]): unknown[] => steps.map(stepSnapshot);

  describe(`${subject.name}: session conformance`, () => {
    // The reference: one push per frame, the way a well-behaved device and network deliver them.
    const reference = (): unknown[] => snap(runChunks(fresh, copies(subject.frames)));

    it('the vectors are a sound stream: identification first, every frame yields a step, none closes', () => {
      expect(subject.frames.length, 'give at least an identification and one data frame').toBeGreaterThanOrEqual(2);
      const session = fresh();
      subject.frames.forEach((frame, i) => {
        expect(frame.length, `frame ${i} is larger than maxFrameBytes`).toBeLessThanOrEqual(limits.maxFrameBytes);
        const steps = session.push(Buffer.from(frame));
        expect(steps.length, `frame ${i} yielded no step`).toBeGreaterThan(0);
        expect(steps.map((s) => s.kind), `frame ${i}`).not.toContain('close');
        if (i === 0) expect(steps[0]!.kind, 'the first frame must identify the device').toBe('identify');
      });
      expect(session.deviceId).toBeDefined();
    });

    it('the whole stream split at every offset gives the same steps', () => {
      const expected = reference();
      for (let at = 1; at < stream.length; at++) {
        expect(snap(runChunks(fresh, copies(splitAt(stream, [at])))), `split at byte ${at}`).toEqual(expected);
      }
    });

    it('the stream one byte per push gives the same steps', () => {
      const bytes = [...stream].map((b) => Buffer.from([b]));
      expect(snap(runChunks(fresh, bytes))).toEqual(reference());
    });

    it('the stream cut at random offsets gives the same steps', () => {
      const expected = reference();
      fc.assert(
        fc.property(fc.array(fc.integer({ min: 1, max: stream.length - 1 }), { maxLength: 12 }), (offsets) => {
          expect(snap(runChunks(fresh, copies(splitAt(stream, offsets))))).toEqual(expected);
        }),
        runs,
      );
    });

    it('all frames glued in one chunk give the same steps', () => {
      expect(snap(runChunks(fresh, [Buffer.from(stream)]))).toEqual(reference());
    });

    it('garbage before the stream: either skipped (same steps) or the stream closes before doing anything', () => {
      for (const chunks of [[Buffer.concat([garbage, stream])], [Buffer.from(garbage), Buffer.from(stream)]]) {
        const steps = runChunks(fresh, chunks);
        const resynchronised = JSON.stringify(snap(steps)) === JSON.stringify(reference());
        if (resynchronised) continue;
        const kinds = steps.map((s) => s.kind);
        expect(kinds.at(-1), 'garbage first must end in a close when the protocol cannot resynchronise').toBe('close');
        expect(kinds.slice(0, -1).every((k) => k === 'ignored'), `steps before the close: ${kinds.join(', ')}`).toBe(true);
      }
    });

    it('garbage after the stream: the valid steps are unchanged, the noise yields only ignored/close', () => {
      const expected = reference();
      for (const chunks of [[Buffer.concat([stream, garbage])], [Buffer.from(stream), Buffer.from(garbage)]]) {
        const all = snap(runChunks(fresh, chunks));
        expect(all.slice(0, expected.length)).toEqual(expected);
        for (const extra of all.slice(expected.length)) expect(['ignored', 'close']).toContain((extra as { kind: string }).kind);
      }
    });

    it('a length over maxFrameBytes closes on the header alone and nothing is read after it', () => {
      const session = fresh();
      session.push(Buffer.from(subject.frames[0]!));
      const steps = session.push(Buffer.from(subject.oversizedHeader));
      expect(steps.map((s) => s.kind)).toEqual(['close']);
      const close = steps[0] as Extract<SessionStep, { kind: 'close' }>;
      expect(close.error.code).toBe('frame-too-large');
      // Whatever follows, even a whole cap's worth of bytes and then valid frames, is not buffered or decoded.
      expect(session.push(Buffer.alloc(limits.maxFrameBytes * 2))).toEqual([]);
      expect(session.push(Buffer.concat(subject.frames.slice(1)))).toEqual([]);
    });

    it('the oversized header closes the stream as soon as its last byte arrives, one byte at a time', () => {
      const session = fresh();
      session.push(Buffer.from(subject.frames[0]!));
      const header = subject.oversizedHeader;
      for (let i = 0; i < header.length; i++) {
        const steps = session.push(header.subarray(i, i + 1));
        if (steps.length > 0) {
          expect(steps.map((s) => s.kind)).toEqual(['close']);
          return;
        }
      }
      throw new Error('no close after the whole oversized header');
    });

    it('random bytes never throw and keep the contract, from the start and after identification', () => {
      const chunksArb = fc.array(fc.uint8Array({ minLength: 0, maxLength: 300 }), { maxLength: 8 });
      fc.assert(
        fc.property(fc.boolean(), chunksArb, (identifyFirst, chunks) => {
          const head = identifyFirst ? [Buffer.from(subject.frames[0]!)] : [];
          checkedSteps(fresh(), [...head, ...chunks.map((c) => Buffer.from(c))]);
        }),
        runs,
      );
    });

    it('a valid stream with bytes flipped never throws and keeps the contract', () => {
      fc.assert(
        fc.property(
          fc.array(fc.record({ at: fc.nat({ max: stream.length - 1 }), xor: fc.integer({ min: 1, max: 255 }) }), { minLength: 1, maxLength: 6 }),
          fc.array(fc.integer({ min: 1, max: stream.length - 1 }), { maxLength: 6 }),
          (flips, cuts) => {
            const damaged = Buffer.from(stream);
            for (const f of flips) damaged[f.at]! ^= f.xor;
            checkedSteps(fresh(), copies(splitAt(damaged, cuts)));
          },
        ),
        runs,
      );
    });
  });
}
