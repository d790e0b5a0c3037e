import type { NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeviceView } from '../../actors/device-view.ts';
import { unpack, type TenantId } from '../model/index.ts';
import { connectNats } from '../nats/connect.ts';
import { startTestNats, type TestNats } from '../testing/nats-server.ts';
import { pushLiveViews, type LiveViewSource } from './live-push.ts';

let nats: TestNats;
let nc: NatsConnection;
beforeAll(async () => {
  nats = await startTestNats();
  nc = await connectNats(nats.url, 'live-push-test');
});
afterAll(async () => {
  await nc?.drain();
  await nats?.cleanup();
});

const view = (tenantId: string, id: string) => ({ id, tenantId }) as DeviceView;

/** A partition with views waiting, handed over once. */
function partition(views: DeviceView[]): LiveViewSource {
  let waiting = views;
  return {
    takeLiveViews(into) {
      for (const v of waiting) {
        const list = into.get(v.tenantId as TenantId) ?? [];
        list.push(v);
        into.set(v.tenantId as TenantId, list);
      }
      waiting = [];
    },
  };
}

describe('live push', () => {
  it("sends one message per tenant for all of a shard's partitions, and nothing when nothing changed", async () => {
    const sub = nc.subscribe('fleet.live.>');
    const got: { subject: string; ids: string[] }[] = [];
    const reading = (async () => {
      for await (const m of sub) got.push({ subject: m.subject, ids: (unpack(m.data) as { views: DeviceView[] }).views.map((v) => v.id) });
    })();
    const partitions = [partition([view('acme', 'a1'), view('zeta', 'z1')]), partition([view('acme', 'a2')]), partition([])];
    expect(pushLiveViews(nc, 'shard-3', partitions)).toBe(2);
    expect(pushLiveViews(nc, 'shard-3', partitions)).toBe(0);
    await nc.flush();
    sub.unsubscribe();
    await reading;
    expect(got.sort((x, y) => x.subject.localeCompare(y.subject))).toEqual([
      { subject: 'fleet.live.acme.shard-3', ids: ['a1', 'a2'] },
      { subject: 'fleet.live.zeta.shard-3', ids: ['z1'] },
    ]);
  });
});
