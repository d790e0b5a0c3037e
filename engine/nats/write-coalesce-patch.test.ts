import type { NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectNats } from './connect.ts';
import { writeCoalescePatched } from './write-coalesce-patch.ts';
import { startTestNatsPair, type TestNatsPair } from '../testing/nats-server.ts';

/** Commands of one event-loop turn leave in one socket write, in order, and nothing waits longer than that turn. */
let pair: TestNatsPair;
let pub: NatsConnection;
let sub: NatsConnection;
beforeAll(async () => {
  pair = await startTestNatsPair();
  ({ pub, sub } = pair);
});
afterAll(() => pair?.close());

/** Counts the writes the connection hands to its socket. */
function countWrites(nc: NatsConnection): { readonly n: number; stop(): void } {
  const transport = (nc as unknown as { protocol: { transport: { send(d: Uint8Array): void } } }).protocol.transport;
  const send = transport.send;
  const counter = { n: 0, stop: () => (transport.send = send) };
  transport.send = function (this: unknown, d: Uint8Array) {
    counter.n++;
    return send.call(this, d);
  };
  return counter;
}

describe('write coalesce patch', () => {
  it('is applied to this nats.js', () => {
    expect(writeCoalescePatched).toBe(true);
  });

  it('joins publishes made on separate microtasks into one write, in order', async () => {
    const got: number[] = [];
    const s = sub.subscribe('coalesce.order', { callback: (_e, m) => void got.push(Number(m.string())) });
    await sub.flush();
    const writes = countWrites(pub);
    // As a consume loop does: one message handled per microtask, each publishing.
    for (let i = 0; i < 200; i++) {
      pub.publish('coalesce.order', String(i));
      await Promise.resolve();
    }
    await new Promise((r) => setImmediate(r));
    writes.stop();
    // The library alone writes once per microtask here: 200.
    expect(writes.n).toBeLessThanOrEqual(2);
    await pub.flush();
    await sub.flush();
    for (let t = 0; got.length < 200 && t < 50; t++) await new Promise((r) => setTimeout(r, 20));
    expect(got).toEqual(Array.from({ length: 200 }, (_, i) => i));
    s.unsubscribe();
  });

  it('leaves a connection that carries alarms writing at once', async () => {
    const eager = await connectNats(pair.nats.url, 'test-eager', { eagerWrites: true });
    const writes = countWrites(eager);
    for (let i = 0; i < 50; i++) {
      eager.publish('coalesce.eager', String(i));
      await Promise.resolve();
      await Promise.resolve();
    }
    writes.stop();
    // Each publish went out before the next microtask's: nothing waited for the turn.
    expect(writes.n).toBeGreaterThanOrEqual(49);
    await eager.drain();
  });

  it('writes a large buffer at once instead of holding it for the turn', async () => {
    const writes = countWrites(pub);
    const big = new Uint8Array(40 * 1024);
    pub.publish('coalesce.big', big);
    expect(writes.n).toBe(1);
    writes.stop();
    await pub.flush();
  });

  it('leaves requests, answers and timeouts as they were', async () => {
    const s = sub.subscribe('coalesce.echo', { callback: (_e, m) => void m.respond(m.data) });
    await sub.flush();
    const answers = await Promise.all(Array.from({ length: 50 }, (_, i) => pub.request('coalesce.echo', `hi ${i}`, { timeout: 2000 })));
    expect(answers.map((m) => m.string())).toEqual(Array.from({ length: 50 }, (_, i) => `hi ${i}`));
    s.unsubscribe();
    await expect(pub.request('coalesce.nobody', 'x', { timeout: 2000 })).rejects.toThrow(/no responders/i);
  });
});
