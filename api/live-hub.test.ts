import { afterEach, describe, expect, it } from 'vitest';
import type { DerivedEvent } from '../actors/derived-event.ts';
import type { DeviceView } from '../actors/device-view.ts';
import { listen, uWS } from '../engine/http/uws.ts';
import { createLogger } from '../engine/log.ts';
import { tenantId, type DeviceId } from '../engine/model/index.ts';
import { TestWsClient } from '../engine/testing/ws-client.ts';
import { KeyRing } from './auth.ts';
import { LiveHub } from './live-hub.ts';

const KEY = 'live-hub-test-admin-key-0123456789';

function event(id: string, critical: boolean): DerivedEvent {
  return { id, type: critical ? 'alarm.panic' : 'trip.started', tenantId: tenantId('default'), deviceId: 'truck-7' as DeviceId, time: 1_700_000_000_000, critical, data: {} };
}

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0).reverse()) c();
});

/** A hub on a real uWebSockets.js listener, stopped after the test; returns it and its /v1/live address. */
async function startHub(flushEveryMs: number): Promise<{ hub: LiveHub; url: string }> {
  const hub = new LiveHub(new KeyRing(KEY), createLogger('live-hub-test', 'silent'), { flushEveryMs });
  const app = uWS.App();
  hub.attach(app);
  hub.start();
  const server = await listen(app, '127.0.0.1', 0);
  cleanups.push(() => {
    hub.stop();
    server.close();
  });
  return { hub, url: `ws://127.0.0.1:${server.port}/v1/live?key=${KEY}` };
}

async function connect(url: string): Promise<TestWsClient> {
  const client = await TestWsClient.connect(url);
  cleanups.push(() => client.close());
  return client;
}

/** A hub whose positions tick is a minute away, and a fleet subscriber. */
async function hubWithSubscriber(): Promise<{ hub: LiveHub; client: TestWsClient }> {
  const { hub, url } = await startHub(60_000);
  const client = await connect(url);
  client.send({ type: 'subscribe', fleet: true });
  await client.waitFor((m) => m['type'] === 'subscribed');
  return { hub, client };
}

const eventItems = (client: TestWsClient) =>
  client.messages.filter((m) => m['type'] === 'events').flatMap((m) => m['items'] as { id: string; critical: boolean }[]);

describe('live hub events', () => {
  it('sends a critical event at once, with the events queued before it, not on the positions tick', async () => {
    const { hub, client } = await hubWithSubscriber();
    hub.offerEvent(event('trip-1', false));
    hub.offerEvent(event('panic-1', true));
    await client.waitFor((m) => m['type'] === 'events', 5_000);
    expect(eventItems(client).map((e) => e.id)).toEqual(['trip-1', 'panic-1']);
  });

  it('shows an event once when the urgent lane, the bulk lane and a redelivery all publish it', async () => {
    const { hub, client } = await hubWithSubscriber();
    hub.offerEvent(event('panic-1', true));
    await client.waitFor((m) => m['type'] === 'events', 5_000);
    hub.offerEvent(event('trip-1', false));
    hub.offerEvent(event('trip-1', false));
    hub.offerEvent(event('panic-1', true));
    hub.offerEvent(event('panic-2', true));
    await client.waitFor((m) => m['type'] === 'events' && (m['items'] as { id: string }[]).some((e) => e.id === 'panic-2'), 5_000);
    expect(eventItems(client).map((e) => e.id)).toEqual(['panic-1', 'trip-1', 'panic-2']);
    expect(hub.stats.duplicateEvents).toBe(2);
  });
});

describe('live hub subscriptions', () => {
  it('an events-only subscriber ("positions": false) gets events and no positions', async () => {
    const { hub, url } = await startHub(20);
    const [alarms, map] = await Promise.all([connect(url), connect(url)]);
    alarms.send({ type: 'subscribe', fleet: true, positions: false });
    map.send({ type: 'subscribe', fleet: true });
    expect(await alarms.waitFor((m) => m['type'] === 'subscribed')).toMatchObject({ fleet: true, positions: false });
    await map.waitFor((m) => m['type'] === 'subscribed');
    hub.offer({ tenantId: 'default', id: 'truck-7', online: true, position: { lat: 52, lon: 4, time: new Date().toISOString() } } as unknown as DeviceView);
    hub.offerEvent(event('trip-1', false));
    await map.waitFor((m) => m['type'] === 'positions', 5_000);
    await map.waitFor((m) => m['type'] === 'events', 5_000);
    await alarms.waitFor((m) => m['type'] === 'events', 5_000);
    // Both clients are flushed on the same tick: by now the events-only one would have had its positions.
    expect(alarms.messages.filter((m) => m['type'] === 'positions')).toEqual([]);
  });
});
