import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../log.ts';
import { DEFAULT_TENANT, pack, type DeviceId, type TelemetryRecord } from '../model/index.ts';
import { urgentSubject } from '../nats/subjects.ts';
import { restartLikeThePlatform, startTestTopology, type TestTopology } from '../testing/nats-server.ts';
import { until } from '../testing/until.ts';
import { UrgentRunner } from './urgent-runner.ts';

/**
 * The urgent lane publishes an alarm the moment its record arrives. Its
 * consumer lives in nats-server's memory: after a restart the lane must go on
 * from its recorded floor, and publish none of the alarms before it again
 * (JetStream's duplicate window, ten minutes, would not hide an older one).
 */

let t: TestTopology;
const log = createLogger('test', 'silent');
beforeAll(async () => {
  t = await startTestTopology(1);
});
afterAll(() => t?.close());

let n = 0;
const panic = (): TelemetryRecord => ({
  id: `panic-${++n}`, tenantId: DEFAULT_TENANT, deviceId: 'van-7' as DeviceId, protocol: 'gt06',
  deviceTime: 1_764_000_000_000 + n * 1000, receivedAt: Date.now(), priority: 'critical', alarms: ['panic'],
});
const publish = (r: TelemetryRecord) => t.js.publish(urgentSubject(0, r.tenantId, r.deviceId), pack(r), { msgID: `u-${r.id}` });

describe('urgent lane', () => {
  it('goes on after nats-server restarts without publishing an earlier alarm again', async () => {
    const r = new UrgentRunner(t.js, t.jsm, t.ackFloors, log, 0);
    r.start();
    await publish(panic());
    await publish(panic());
    await until(() => r.stats.alarms === 2);
    await t.ackFloors.settled();

    await restartLikeThePlatform(t, 1);
    await restartLikeThePlatform(t, 1);
    await publish(panic());
    await until(() => r.stats.alarms === 3, 20_000);
    // Time for a wrongly rewound consumer to deliver the two earlier panics again.
    await new Promise((res) => setTimeout(res, 1500));
    expect(r.stats.alarms).toBe(3);
    await r.stop();
  }, 60_000);
});
