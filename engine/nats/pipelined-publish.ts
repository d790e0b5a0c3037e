import { createInbox, type Msg, type NatsConnection, type Subscription } from '@nats-io/nats-core';
import { z } from 'zod';

/**
 * JetStream publishes that wait for their acknowledgement without a request
 * each. `js.publish` (and `kv.put`, which is one) makes a request per
 * message: a Request object, a timer, a promise chain through the JetStream
 * client and a JSON parse of the acknowledgement. A shard writes a snapshot
 * for nearly every record when devices report less often than the snapshot
 * interval (0.86-1.17 a record at 100,000 devices at x0.13-x0.25), and a
 * request each cost 19.5 µs of CPU a write against 8.4 µs here
 * (engine/nats/bench-pipelined-publish.ts measures both ways in one run).
 *
 * Here every publish carries a reply subject under one inbox this publisher
 * subscribes to once; a reply settles its publish by the number in its
 * subject. Deadlines are checked by one sweep, not a timer each. What is
 * checked is what `js.publish` checks: an acknowledgement names a stream; a
 * JetStream error (`{"error":...}`) or a status with no stream behind the
 * subject (503) is a failure; no answer within the timeout is one too.
 */

export class PipelinedPublishError extends Error {
  override readonly name = 'PipelinedPublishError';
  constructor(
    readonly subject: string,
    readonly reason: 'timeout' | 'no-stream' | 'rejected' | 'closed',
    detail: string,
  ) {
    super(`JetStream publish to ${subject} failed (${reason}): ${detail}`);
  }
}

interface Waiting {
  subject: string;
  deadline: number;
  resolve: () => void;
  reject: (err: Error) => void;
}

const TEXT = new TextDecoder();
const SWEEP_EVERY_MS = 250;

export class PipelinedPublisher {
  private readonly inbox = createInbox();
  private readonly waiting = new Map<number, Waiting>();
  private readonly sub: Subscription;
  private readonly sweep: NodeJS.Timeout;
  private next = 0;
  private closed = false;

  constructor(
    private readonly nc: NatsConnection,
    private readonly timeoutMs = 5_000,
  ) {
    this.sub = nc.subscribe(`${this.inbox}.*`, { callback: (_err, m) => this.settle(m) });
    void this.sub.closed.then(() => this.failAll('the connection or its subscription closed'));
    this.sweep = setInterval(() => this.expire(), SWEEP_EVERY_MS);
    this.sweep.unref();
  }

  /** Resolves once JetStream has stored the message; rejects with PipelinedPublishError otherwise. */
  publish(subject: string, data: Uint8Array): Promise<void> {
    if (this.closed) return Promise.reject(new PipelinedPublishError(subject, 'closed', 'the publisher was closed'));
    const id = this.next++;
    return new Promise<void>((resolve, reject) => {
      this.waiting.set(id, { subject, deadline: Date.now() + this.timeoutMs, resolve, reject });
      try {
        this.nc.publish(subject, data, { reply: `${this.inbox}.${id}` });
      } catch (err) {
        this.waiting.delete(id);
        reject(new PipelinedPublishError(subject, 'closed', String((err as Error)?.message ?? err)));
      }
    });
  }

  /** Publishes still waiting for their acknowledgement. */
  get pending(): number {
    return this.waiting.size;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.sweep);
    this.sub.unsubscribe();
    this.failAll('the publisher was closed');
  }

  private settle(m: Msg): void {
    const id = Number(m.subject.slice(this.inbox.length + 1));
    const w = this.waiting.get(id);
    if (w === undefined) return; // expired already
    this.waiting.delete(id);
    const status = m.headers?.code ?? 0;
    if (status === 503) return w.reject(new PipelinedPublishError(w.subject, 'no-stream', 'no stream takes this subject (503)'));
    if (status >= 400) return w.reject(new PipelinedPublishError(w.subject, 'rejected', `status ${status} ${m.headers?.description ?? ''}`.trim()));
    const text = TEXT.decode(m.data);
    const answer = PublishAnswerSchema.safeParse(parseJson(text));
    if (answer.success && 'stream' in answer.data) return w.resolve();
    const reason = answer.success && 'error' in answer.data ? answer.data.error.description : undefined;
    w.reject(new PipelinedPublishError(w.subject, 'rejected', reason ?? (text.slice(0, 500) || 'empty answer')));
  }

  private expire(): void {
    const now = Date.now();
    // Ids are issued in order and share one timeout: the oldest expire first.
    for (const [id, w] of this.waiting) {
      if (w.deadline > now) break;
      this.waiting.delete(id);
      w.reject(new PipelinedPublishError(w.subject, 'timeout', `no acknowledgement within ${this.timeoutMs} ms`));
    }
  }

  private failAll(detail: string): void {
    for (const w of this.waiting.values()) w.reject(new PipelinedPublishError(w.subject, 'closed', detail));
    this.waiting.clear();
  }
}

/** JetStream's answer to a publish: its acknowledgement, or its error (nats-server sends one or the other). */
const PublishAnswerSchema = z.union([
  z.object({ error: z.object({ code: z.number().optional(), description: z.string().optional() }) }),
  z.object({ stream: z.string(), seq: z.number() }),
]);

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
