import type { Socket } from 'node:net';
import type { Logger } from '../../engine/log.ts';
import { DeviceIdSchema, type DecodedRecord, type DeviceId, type Protocol, type TelemetryRecord, type TenantId } from '../../engine/model/index.ts';
import type { DeviceAdmission } from '../../engine/registry/device-registry.ts';
import { isCritical, normalizeRecord } from '../ingest/normalize.ts';
import { takeIn, type AdmitRecords, type IntakeGate } from '../ingest/intake.ts';
import { isHoldableReplay, type HeldReplay, type ReplayHold } from '../ingest/replay-hold.ts';
import type { ConnectionLimits } from './connection-limits.ts';
import type { DecodeOwner, DecodeScheduler } from './decode-scheduler.ts';
import { countProtocolError, type CloseReason, type TcpListenerStats } from './listener-stats.ts';
import type { ProtocolSession, SessionStep } from './protocol-session.ts';

/**
 * One device connection: feeds the socket's bytes to the protocol session and
 * carries out the steps it returns, in order. Order is the whole point: a
 * device's answer must never overtake the JetStream ack it stands for (nor
 * any earlier one), and records must never be published before the device
 * was admitted.
 *
 * Records steps without an answer of their own (a GT06 location) do not wait
 * for their publish before the next step starts: publishes are handed to the
 * publisher in order (so the stream keeps the device's order) and an answer
 * waits for every publish before it. A device replaying a thousand single
 * locations is then not a thousand sequential round trips to JetStream.
 *
 * While steps wait on I/O (registry, JetStream, the intake pace) the socket
 * keeps being read, so an alarm sent behind them is seen at once, but only up
 * to MAX_QUEUED_STEPS frames or MAX_BACKLOG_BYTES: past that the socket is
 * paused and the kernel's receive window, not our heap, holds whatever the
 * device sends. One device cannot pile up unbounded work.
 */

/** What every connection of a listener shares. */
export interface ConnectionContext {
  protocol: Protocol;
  tenant: TenantId;
  limits: ConnectionLimits;
  admission: DeviceAdmission;
  publish: (records: TelemetryRecord[]) => Promise<unknown>;
  /** Paces ordinary records (adapters/ingest/intake-governor.ts); critical ones never wait. */
  admit: AdmitRecords;
  /** True when a record id was already acknowledged (RecordPublisher.resent): the device resent it. */
  resent?: (id: string) => boolean;
  /** Sends a critical record's urgent copy at once, ahead of the connection's queue (RecordPublisher.urgentNow). */
  urgentNow?: (record: TelemetryRecord) => void;
  log: Logger;
  now: () => number;
  stats: TcpListenerStats;
  /** Records that this connection now speaks for the device; the listener ends an older connection of the same device. */
  claim?: (deviceId: DeviceId, conn: DeviceConnection) => void;
  /** When received bytes are decoded (decode-scheduler.ts); without one, at once. */
  decoding?: DecodeScheduler;
  /** Where replays wait as bytes while the intake is backed up (replay-hold.ts); without one, nothing is held. */
  replayHold?: ReplayHold;
}

/** How long an ended connection may take to flush its last answer before it is destroyed. */
const FLUSH_GRACE_MS = 5_000;
/** Records published ahead of the next answer before the connection waits for them. */
const MAX_UNANSWERED_RECORDS = 1024;
/** Frames decoded and waiting on one connection, and the bytes they came in, before its socket is paused. */
const MAX_QUEUED_STEPS = 64;
const MAX_BACKLOG_BYTES = 64 * 1024;
/** A chunk arriving on a held connection is peeked at once up to this size (alarms, live packets); bigger ones in the decode budget. */
const PEEK_INLINE_BYTES = 1024;

interface PendingStep {
  step: SessionStep;
  /** When the bytes that completed this step arrived: the record's receive time. */
  receivedAt: number;
}

export class DeviceConnection implements DecodeOwner, HeldReplay {
  /** Remote as `address:port`, for logs. */
  readonly remote: string;
  private readonly queue: PendingStep[] = [];
  private running = false;
  private ended = false;
  private shutdownRequested = false;
  private admittedId: DeviceId | undefined;
  private consecutiveIgnored = 0;
  private destroyTimer: NodeJS.Timeout | undefined;
  private paused = false;
  /** Bytes received since the queue was last empty: with the queued steps, what bounds a connection's memory. */
  private backlogBytes = 0;
  /** Chunks received and not yet decoded (the thread's decode budget was spent), oldest first. */
  private readonly undecoded: { chunk: Buffer; receivedAt: number; peeked: boolean }[] = [];
  private undecodedBytes = 0;
  /** The undecoded chunks are a replay waiting as bytes for its turn in the intake governor (replay-hold.ts). */
  private held = false;
  /** Held chunks whose records the governor has not admitted yet. */
  private awaitingAdmission = 0;
  /** Records admitted while held: their records step does not queue again. */
  private admittedAhead = 0;
  /** The intake as this connection's records steps see it (takeIn). */
  private readonly gate: IntakeGate;
  /** Publishes not yet acknowledged, in order; the next answer waits for all of them. */
  private unanswered: Promise<void>[] = [];
  private unansweredRecords = 0;

  constructor(
    private readonly socket: Socket,
    private readonly session: ProtocolSession,
    private readonly ctx: ConnectionContext,
    readonly address: string,
    onClosed: (conn: DeviceConnection) => void,
  ) {
    this.remote = formatRemote(address, socket.remotePort);
    this.gate = {
      tenant: ctx.tenant,
      admit: (records, live, gone) => this.admitThroughHold(records, live, gone),
      gone: () => this.ended,
      ...(ctx.resent ? { resent: ctx.resent } : {}),
    };
    socket.setTimeout(ctx.limits.idleTimeoutMs);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('timeout', () => this.onIdle());
    socket.on('error', (err: NodeJS.ErrnoException) => {
      // Resets and broken pipes are how mobile links die; not our error.
      this.ctx.log.debug({ ...this.who(), err: err.message, errno: err.code }, 'socket error');
    });
    socket.on('close', () => {
      if (this.destroyTimer) clearTimeout(this.destroyTimer);
      if (!this.ended) {
        this.ended = true;
        this.queue.length = 0;
        this.undecoded.length = 0;
        this.undecodedBytes = 0;
        this.ctx.stats.connectionsClosed['peer-closed']++;
        this.ctx.log.debug(this.who(), 'device closed the connection');
      }
      onClosed(this);
    });
  }

  /** The listener is closing: finish the step in flight (so its answer still goes out), then end. */
  shutdown(): void {
    this.shutdownRequested = true;
    if (!this.running) this.end('listener-closed');
  }

  /** The device is admitted on this connection, once identified. */
  get deviceId(): DeviceId | undefined {
    return this.admittedId;
  }

  /**
   * The device identified on a newer connection. It reconnects when it gave
   * up waiting for an answer here, and resends there whatever this one never
   * answered; so frames still queued here are stale work (under a reconnect
   * storm, most of the work) and are dropped. Publishes already handed over
   * complete; their answer is not sent.
   */
  replaced(): void {
    if (this.ended) return;
    this.ctx.log.debug(this.who(), 'device reconnected on a newer connection; closing this one');
    this.end('replaced');
  }

  /** Immediate teardown, for a shutdown that outlived its grace period. */
  destroy(): void {
    if (!this.ended) {
      this.ended = true;
      this.ctx.stats.connectionsClosed['listener-closed']++;
    }
    this.socket.destroy();
  }

  private onData(chunk: Buffer): void {
    if (this.ended) return;
    const receivedAt = this.ctx.now();
    this.backlogBytes += chunk.length;
    const decoding = this.ctx.decoding;
    if (this.held) {
      // Anything but more of the same replay (an alarm, half a frame, a login) and the device waits no longer.
      // A small chunk is peeked here, as an alarm is small; a big one is not worth a peek outside the
      // thread's decode budget: the held bytes go first and the scheduler peeks the new chunk in its turn.
      const peekNow = decoding === undefined || chunk.length <= PEEK_INLINE_BYTES;
      const records = peekNow ? this.holdableRecords(chunk, receivedAt) : 0;
      this.keep(chunk, receivedAt, peekNow);
      // More of the same replay waits with it, and for its own turn in the governor.
      if (records > 0) this.waitForTurn(records);
      else this.releaseHeld(true);
      return;
    }
    if (decoding === undefined || (this.undecoded.length === 0 && decoding.mayDecodeNow())) {
      if (this.holdIfReplay(chunk, receivedAt)) return;
      this.decode(chunk, receivedAt);
      return;
    }
    // A small chunk that may carry a panic or a crash is decoded now, whatever waits on other connections:
    // queued behind a storm's live packets it waited up to 200 ms for the scheduler's turns. The peek is
    // a header walk of a few hundred bytes; big chunks (replays) are not peeked here.
    if (this.undecoded.length === 0 && chunk.length <= PEEK_INLINE_BYTES && this.mayCarryAlarm(chunk)) {
      this.decode(chunk, receivedAt);
      return;
    }
    // Peeked, if at all, when the scheduler gets to it: a storm's hundreds of readable sockets in one poll
    // phase must not each cost a full decode before the socket carrying an alarm is read.
    this.keep(chunk, receivedAt, false);
    if (this.undecoded.length === 1) decoding.enqueue(this);
  }

  /** While the intake is backed up, a replay arriving with nothing else waiting waits as bytes. */
  private holdIfReplay(chunk: Buffer, receivedAt: number): boolean {
    const hold = this.ctx.replayHold;
    if (hold === undefined || !hold.busy) return false;
    const records = this.holdableRecords(chunk, receivedAt);
    if (records === 0) return false;
    this.keep(chunk, receivedAt, true);
    this.held = true;
    this.waitForTurn(records);
    return true;
  }

  /**
   * `peeked`: the chunk was considered for the replay hold already (held, or found not holdable), so it is
   * not peeked again; a chunk released from the hold is decoded in its turn, never held twice.
   */
  private keep(chunk: Buffer, receivedAt: number, peeked: boolean): void {
    this.undecoded.push({ chunk, receivedAt, peeked });
    this.undecodedBytes += chunk.length;
    this.pauseIfFull();
  }

  /**
   * Called by the scheduler, inside the thread's decode budget, for a connection whose chunks were deferred:
   * they are held when every one of them is a replay not yet considered and the intake is still backed up.
   */
  private holdDeferred(): boolean {
    const hold = this.ctx.replayHold;
    if (hold === undefined || this.undecoded[0]?.peeked !== false || !hold.busy) return false;
    let records = 0;
    let all = true;
    for (const waiting of this.undecoded) {
      if (waiting.peeked) all = false;
      else {
        waiting.peeked = true;
        const n = all ? this.holdableRecords(waiting.chunk, waiting.receivedAt) : 0;
        if (n === 0) all = false;
        records += n;
      }
    }
    if (!all) return false;
    this.held = true;
    this.waitForTurn(records);
    return true;
  }

  /** Whether the session's peek finds a record that may be critical (panic, crash) in the chunk. */
  private mayCarryAlarm(chunk: Buffer): boolean {
    try {
      return this.session.peek?.(chunk)?.critical === true;
    } catch {
      return false; // decoded in its turn; push has its own net for whatever made peek throw
    }
  }

  /** Records in a replay of ordinary records, in whole frames, as the session reads it without decoding; 0 if it is not one. */
  private holdableRecords(chunk: Buffer, receivedAt: number): number {
    try {
      const peek = this.session.peek?.(chunk);
      return isHoldableReplay(peek, receivedAt) ? peek!.records : 0;
    } catch (err) {
      // The chunk is decoded as usual; push has its own net for whatever made peek throw.
      this.ctx.log.debug({ ...this.who(), err: errorText(err) }, 'session.peek threw');
      return 0;
    }
  }

  private waitForTurn(records: number): void {
    this.awaitingAdmission++;
    this.ctx.replayHold!.hold(this, records);
  }

  gone(): boolean {
    return this.ended;
  }

  admitted(records: number): void {
    this.admittedAhead += records;
    try {
      if (--this.awaitingAdmission === 0) this.releaseHeld();
    } catch (err) {
      this.fail(err, 'releasing a held replay threw');
    }
  }

  /**
   * Paces a records step: records the governor admitted while they were held bytes go on at once, the rest
   * queue as any packet's do. A credit left by records that turned out to be resends is at most one packet's.
   */
  private admitThroughHold(records: number, live: boolean, gone?: () => boolean): Promise<void> {
    const credit = Math.min(records, this.admittedAhead);
    this.admittedAhead -= credit;
    return records > credit ? this.ctx.admit(records - credit, live, gone) : Promise.resolve();
  }

  /** `first`: something that must not wait (an alarm, a login) arrived behind the held bytes. */
  private releaseHeld(first = false): boolean {
    if (!this.held) return false;
    this.held = false;
    if (this.ended || this.undecoded.length === 0) return false;
    const decoding = this.ctx.decoding;
    if (decoding !== undefined) decoding.enqueue(this, first);
    else while (this.undecoded.length > 0 && !this.ended && !this.held) this.decodeNext();
    return true;
  }

  nextChunkBytes(): number | undefined {
    return this.ended || this.held ? undefined : this.undecoded[0]?.chunk.length;
  }

  decodeNext(): void {
    if (this.ended || this.held || this.holdDeferred()) return;
    const next = this.undecoded.shift();
    if (next === undefined) return;
    this.undecodedBytes -= next.chunk.length;
    this.decode(next.chunk, next.receivedAt);
    // Bytes that completed no frame start no step: nothing else would resume a socket paused for them.
    if (!this.running && this.queue.length === 0) {
      this.backlogBytes = this.undecodedBytes;
      this.resumeIfRoom();
    }
  }

  private decode(chunk: Buffer, receivedAt: number): void {
    let steps: SessionStep[];
    try {
      steps = this.session.push(chunk);
    } catch (err) {
      // The contract says push never throws; if a session does, only this device pays.
      this.fail(err, 'session.push threw');
      return;
    }
    for (const step of steps) {
      this.queue.push({ step, receivedAt });
      // An alarm must not wait for the frames queued before it on this connection: its urgent copy goes now.
      if (step.kind === 'records' && this.admittedId !== undefined && this.ctx.urgentNow) this.alarmsAhead(step.records, receivedAt);
    }
    this.pauseIfFull();
    if (!this.running && this.queue.length > 0) {
      this.running = true;
      void this.drain();
    }
  }

  /**
   * Reading goes on while steps wait (so an alarm behind them is seen), within a bound: past it the
   * kernel's receive window, not our heap, holds what the device sends.
   */
  private pauseIfFull(): void {
    if (!this.paused && (this.queue.length >= MAX_QUEUED_STEPS || this.backlogBytes >= MAX_BACKLOG_BYTES)) {
      this.socket.pause();
      this.paused = true;
    }
  }

  private resumeIfRoom(): void {
    if (this.paused && !this.ended && this.queue.length < MAX_QUEUED_STEPS / 2 && this.backlogBytes < MAX_BACKLOG_BYTES) {
      this.paused = false;
      this.socket.resume();
    }
  }

  private alarmsAhead(decoded: DecodedRecord[], receivedAt: number): void {
    for (const d of decoded) {
      if (!isCritical(d)) continue;
      const n = normalizeRecord(this.ctx.tenant, d, receivedAt);
      if (n.ok) this.ctx.urgentNow!(n.record);
    }
  }

  private async drain(): Promise<void> {
    try {
      while (!this.ended && !this.shutdownRequested) {
        const next = this.queue.shift();
        if (next === undefined) break;
        await this.execute(next);
        if (this.queue.length === 0) this.backlogBytes = this.undecodedBytes;
        this.resumeIfRoom();
      }
    } catch (err) {
      this.fail(err, 'step failed');
    } finally {
      this.running = false;
      this.backlogBytes = this.undecodedBytes;
      if (this.shutdownRequested) this.end('listener-closed');
      else this.resumeIfRoom();
    }
  }

  private async execute({ step, receivedAt }: PendingStep): Promise<void> {
    switch (step.kind) {
      case 'identify':
        this.consecutiveIgnored = 0;
        return this.identify(step.deviceId, step.accept, step.reject);
      case 'records':
        this.consecutiveIgnored = 0;
        return this.records(step, receivedAt);
      case 'reply':
        this.consecutiveIgnored = 0;
        if (await this.published()) this.write(step.reply);
        return;
      case 'ignored': {
        const { error } = step;
        countProtocolError(this.ctx.stats, error.code);
        this.consecutiveIgnored++;
        this.ctx.log.warn(
          { ...this.who(), code: error.code, reason: error.message, detail: error.detail, consecutive: this.consecutiveIgnored },
          'packet ignored, not acknowledged',
        );
        if (this.consecutiveIgnored >= this.ctx.limits.maxConsecutiveIgnored) {
          this.ctx.log.warn(
            { ...this.who(), reason: `${this.consecutiveIgnored} packets in a row ignored (limit maxConsecutiveIgnored)` },
            'closing connection',
          );
          this.end('too-many-ignored');
        }
        return;
      }
      case 'close': {
        const { error } = step;
        countProtocolError(this.ctx.stats, error.code);
        this.ctx.log.warn({ ...this.who(), code: error.code, reason: error.message, detail: error.detail }, 'protocol error, closing connection');
        this.end('protocol-error');
        return;
      }
    }
  }

  private async identify(claimed: string, accept: Buffer | undefined, reject: Buffer | undefined): Promise<void> {
    const parsed = DeviceIdSchema.safeParse(claimed);
    if (!parsed.success) {
      throw new Error(`session identified the device as ${JSON.stringify(claimed)}, which is not a device id`);
    }
    const id = parsed.data;
    if (this.admittedId !== undefined && this.admittedId !== id) {
      throw new Error(`session re-identified device ${this.admittedId} as ${id} on the same connection`);
    }
    let admission;
    try {
      admission = await this.ctx.admission.admit(this.ctx.tenant, id, this.ctx.protocol);
    } catch (err) {
      // Registry unreachable: neither accept nor reject. A reject would make
      // some devices stop trying; silence makes them reconnect later.
      this.ctx.log.error({ ...this.who(), deviceId: id, err: errorText(err) }, 'registry unavailable, closing connection unanswered');
      this.end('admission-failed');
      return;
    }
    if (this.ended) return;
    if (!admission.admitted) {
      if (reject) this.write(reject);
      this.ctx.log.warn({ ...this.who(), deviceId: id, reason: admission.reason }, 'device refused');
      this.end('device-refused');
      return;
    }
    if (this.admittedId === undefined) {
      this.admittedId = id;
      this.ctx.stats.devicesAdmitted++;
      this.ctx.log.info(this.who(), 'device connected');
      this.ctx.claim?.(id, this);
    }
    if (accept) this.write(accept);
  }

  private async records(step: Extract<SessionStep, { kind: 'records' }>, receivedAt: number): Promise<void> {
    if (this.admittedId === undefined) {
      throw new Error('session produced records before the device was admitted');
    }
    if (step.skipped.length > 0) {
      this.ctx.log.warn({ ...this.who(), skipped: step.skipped }, 'records skipped by the decoder (still acknowledged)');
    }
    // Under load ordinary records are paced (a replay burst from thousands of devices must not keep the
    // loop from reading other sockets; the socket stays paused meanwhile); a packet carrying an alarm goes on at once.
    const { records, resent, rejected } = await takeIn(this.gate, step.records, receivedAt);
    if (this.ended) return;
    this.ctx.stats.recordsResent += resent;
    for (const r of rejected) {
      // The session already counted this record in its answer; resending it would not make it valid.
      this.ctx.stats.recordsDropped++;
      this.ctx.log.warn({ ...this.who(), deviceTime: r.deviceTime, reason: r.reason }, 'record failed validation, dropped');
    }
    if (records.length > 0) {
      let publishing: Promise<unknown>;
      try {
        publishing = this.ctx.publish(records);
      } catch (err) {
        // A publish that throws synchronously is handled like one that rejects.
        publishing = Promise.reject(err);
      }
      this.unanswered.push(
        publishing.then(
          () => {
            this.ctx.stats.recordsPublished += records.length;
          },
          (err: unknown) => this.publishFailed(records.length, err),
        ),
      );
      this.unansweredRecords += records.length;
    }
    if (step.reply) {
      if ((await this.published()) && !this.ended) this.write(step.reply);
    } else if (this.unansweredRecords >= MAX_UNANSWERED_RECORDS) await this.published();
  }

  /** Waits for every publish handed over so far; false when one failed (the connection is then closing). */
  private async published(): Promise<boolean> {
    while (this.unanswered.length > 0) {
      const pending = this.unanswered;
      this.unanswered = [];
      this.unansweredRecords = 0;
      await Promise.all(pending);
    }
    return !this.ended;
  }

  private publishFailed(count: number, err: unknown): void {
    this.ctx.stats.publishFailures++;
    if (this.ended) return;
    this.ctx.log.error({ ...this.who(), count, err: errorText(err) }, 'publish failed: device not acknowledged, closing so it reconnects and resends');
    this.end('publish-failed');
  }

  private onIdle(): void {
    if (this.ended) return;
    this.ctx.log.warn(
      { ...this.who(), reason: `nothing received for ${this.ctx.limits.idleTimeoutMs} ms (limit idleTimeoutMs)`, busy: this.running },
      'closing idle connection',
    );
    this.end('idle-timeout');
  }

  private fail(err: unknown, what: string): void {
    this.ctx.log.error({ ...this.who(), err: errorText(err), stack: err instanceof Error ? err.stack : undefined }, `${what}; closing this connection`);
    this.end('internal-error');
  }

  private write(bytes: Buffer): void {
    if (this.ended || !this.socket.writable) return;
    this.socket.write(bytes);
  }

  /**
   * Ends this connection once: answers already written are flushed before the
   * FIN; whatever the device sends afterwards is discarded. A peer that never
   * closes its side is destroyed after a grace period.
   */
  private end(reason: CloseReason): void {
    if (this.ended) return;
    this.ended = true;
    this.queue.length = 0;
    this.undecoded.length = 0;
    this.undecodedBytes = 0;
    this.ctx.stats.connectionsClosed[reason]++;
    this.socket.end();
    // Keep reading (and discarding) so the peer's FIN is seen and the socket closes promptly.
    this.socket.resume();
    this.destroyTimer = setTimeout(() => this.socket.destroy(), FLUSH_GRACE_MS);
    this.destroyTimer.unref();
  }

  private who(): { protocol: Protocol; deviceId: string | undefined; remote: string } {
    return { protocol: this.ctx.protocol, deviceId: this.admittedId ?? this.session.deviceId, remote: this.remote };
  }
}

function formatRemote(address: string, port: number | undefined): string {
  const host = address.includes(':') ? `[${address}]` : address;
  return port === undefined ? host : `${host}:${port}`;
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
