import type { NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectNats } from './connect.ts';
import { requestSettlePatched } from './request-settle-patch.ts';
import { startTestNats, type TestNats } from '../testing/nats-server.ts';

/** Requests behave as before the patch: answered, timed out, no responders. */
let nats: TestNats;
let nc: NatsConnection;
beforeAll(async () => {
  nats = await startTestNats();
  nc = await connectNats(nats.url, 'test');
});
afterAll(async () => {
  await nc?.drain();
  await nats?.cleanup();
});

describe('request settle patch', () => {
  it('is applied to this nats.js', () => {
    expect(requestSettlePatched).toBe(true);
  });

  it('leaves answers, timeouts and missing responders as they were', async () => {
    const sub = nc.subscribe('echo.>', {
      callback: (_err, m) => {
        m.respond(m.data);
      },
    });
    const answers = await Promise.all(Array.from({ length: 50 }, (_, i) => nc.request(`echo.${i}`, `hi ${i}`, { timeout: 2000 })));
    expect(answers.map((m) => m.string())).toEqual(Array.from({ length: 50 }, (_, i) => `hi ${i}`));
    sub.unsubscribe();
    nc.subscribe('silent', { callback: () => undefined });
    await expect(nc.request('silent', 'x', { timeout: 200 })).rejects.toThrow(/timeout/i);
    await expect(nc.request('nobody.here', 'x', { timeout: 2000 })).rejects.toThrow(/no responders/i);
  });
});
