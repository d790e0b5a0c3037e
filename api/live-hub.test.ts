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

describe('live hub positions', () => {
  const view = (id: string, position: { lat: number; lon: number } | null, tenant = 'default', records = 1): DeviceView =>
    ({
      id,
      tenantId: tenant,
      online: true,
      lastSeen: '2026-12-07T10:00:00.000Z',
      position: position && { ...position, speed: 42, heading: 90, time: '2026-12-07T10:00:00.000Z' },
      records,
      openAlerts: [{ type: 'overspeed', since: '2026-12-07T09:59:00.000Z' }],
      geofences: [],
    }) as unknown as DeviceView;
  const positionItems = (client: TestWsClient) => client.messages.filter((m) => m['type'] === 'positions').flatMap((m) => m['items'] as DeviceView[]);

  it('sends an area subscriber the newest view of each device inside it, exactly as offered, and nothing else', async () => {
    const { hub, url } = await startHub(20);
    // Known before the client subscribes: its first screenful.
    hub.offer(view('inside-early', { lat: 52.1, lon: 4.1 }));
    hub.offer(view('outside', { lat: 48, lon: 2 }));
    hub.offer(view('nowhere', null));
    const client = await connect(url);
    client.send({ type: 'subscribe', area: { minLat: 52, minLon: 4, maxLat: 53, maxLon: 5 } });
    await client.waitFor((m) => m['type'] === 'subscribed');
    hub.offer(view('inside', { lat: 52.5, lon: 4.5 }, 'default', 1));
    hub.offer({ position: { lat: 52.5, lon: 4.5 } } as unknown as DeviceView);
    hub.offer(view('inside', { lat: 52.6, lon: 4.6 }, 'default', 2));
    // The test's key is an admin's: it sees every tenant.
    hub.offer(view('other-tenant', { lat: 52.5, lon: 4.5 }, 'acme'));
    await client.waitFor(() => positionItems(client).some((v) => v.id === 'inside'), 5_000);
    await new Promise((r) => setTimeout(r, 100));
    const items = positionItems(client);
    expect(items.map((v) => v.id).sort()).toEqual(['inside', 'inside-early', 'other-tenant']);
    expect(items.find((v) => v.id === 'inside')).toEqual(view('inside', { lat: 52.6, lon: 4.6 }, 'default', 2));
    expect(items.find((v) => v.id === 'inside-early')).toEqual(view('inside-early', { lat: 52.1, lon: 4.1 }));
  });
});
