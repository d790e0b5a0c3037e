import type { JetStreamClient, JetStreamManager } from '@nats-io/jetstream';
import type { KV } from '@nats-io/kv';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../log.ts';
import { DEFAULT_TENANT, pack, unpack, type DeviceId } from '../model/index.ts';
import { STREAM_DRIVERS, driverSubject } from '../nats/subjects.ts';
import { driversConsumerName } from '../nats/topology.ts';
import { startTestTopology, type TestTopology } from '../testing/nats-server.ts';
import { until } from '../testing/until.ts';
import { DriverRunner } from './driver-runner.ts';
import { driverToken, type DriverSample } from './driver-sample.ts';

/** The driver lane against a real nats-server: what its KV holds after a flush. */

let t: TestTopology;
let js: JetStreamClient;
let jsm: JetStreamManager;
let drivers: KV;
const log = createLogger('test', 'silent');

beforeAll(async () => {
  t = await startTestTopology(1);
  ({ js, jsm } = t);
  drivers = t.topology.drivers;
});
afterAll(() => t?.close());

const sample = (n: number, time: number, activity: DriverSample['activity']): DriverSample => ({
  id: `s-${n}`, tenantId: DEFAULT_TENANT, driverId: 'card-7', deviceId: 'truck-7' as DeviceId, time, activity,
});
const publish = (s: DriverSample) => js.publish(driverSubject(0, DEFAULT_TENANT, driverToken(s.driverId)), pack(s), { msgID: s.id });

describe('driver runner', () => {
  it('writes a driver again when a sample came in while its last write was in flight', async () => {
    // The KV as it is, with writes the test holds back: a slow nats-server.
    let hold: Promise<void> | undefined;
    const slowKv = new Proxy(drivers, {
      get(target, prop) {
        if (prop === 'put') return async (k: string, v: Uint8Array) => (await hold, target.put(k, v));
        const v = Reflect.get(target, prop, target) as unknown;
        return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
      },
    });
    const r = new DriverRunner(t, slowKv, log, 0);
    r.start();
    const t0 = 1_764_200_000_000;
    await publish(sample(1, t0, 'driving'));
    await until(() => r.stats.samples === 1, 10_000, 20);

    let release!: () => void;
    hold = new Promise((resolve) => (release = resolve));
    const first = r.flush();
    const second = await publish(sample(2, t0 + 60_000, 'rest'));
    await until(() => r.stats.samples === 2, 10_000, 20);
    release();
    await first;
    hold = undefined;
    await r.flush();

    const stored = unpack((await drivers.get(`${DEFAULT_TENANT}.${driverToken('card-7')}`))!.value) as { lastTime: number };
    expect(stored.lastTime).toBe(t0 + 60_000);
    // Both acknowledged by one cumulative ack, and the floor recorded for a nats-server restart.
    await until(async () => {
      const info = await jsm.consumers.info(STREAM_DRIVERS, driversConsumerName(0));
      return info.num_ack_pending === 0 && info.ack_floor.stream_seq === second.seq;
    });
    await until(async () => (await t.ackFloors.floorOf(STREAM_DRIVERS, driversConsumerName(0))) === second.seq);
    await r.stop();
  });
});
