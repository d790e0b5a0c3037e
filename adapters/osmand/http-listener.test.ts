import { afterEach, describe, expect, it } from 'vitest';
import { tenantId, type TelemetryRecord } from '../../engine/model/index.ts';
import type { PublishOutcome } from '../ingest/record-publisher.ts';
import { FakeAdmission, captureLog } from '../tcp/test-kit.ts';
import { startOsmandListener, type OsmandListener } from './http-listener.ts';

/** The OsmAnd listener over real HTTP, with an in-memory publisher and registry. */

let listener: OsmandListener | undefined;
let busy = false;

afterEach(() => {
  busy = false;
  listener?.close();
  listener = undefined;
});

/** Publishes instantly, noting how long after the request was taken in (the listener's clock) each publish came. */
class TimedPublisher {
  readonly delays: { records: TelemetryRecord[]; afterMs: number }[] = [];
  takenInAt = 0;
  readonly publish = async (records: readonly TelemetryRecord[]): Promise<PublishOutcome> => {
    this.delays.push({ records: [...records], afterMs: performance.now() - this.takenInAt });
    return { stored: records.length, duplicates: 0 };
  };
  readonly resent = (): boolean => false;
}

/** Keeps this thread as busy as a storm keeps the adapters' thread: every check phase works 25 ms. */
function keepTheThreadBusy(): void {
  busy = true;
  const work = () => {
    const until = performance.now() + 25;
    while (performance.now() < until);
    if (busy) setImmediate(work);
  };
  setImmediate(work);
}

async function start(publisher: TimedPublisher): Promise<number> {
  listener = await startOsmandListener({
    host: '127.0.0.1',
    port: 0,
    tenant: tenantId('acme'),
    publisher,
    admission: new FakeAdmission(),
    log: captureLog().log,
    now: () => {
      publisher.takenInAt = performance.now();
      return Date.now();
    },
  });
  return listener.port;
}

describe('OsmAnd over HTTP', () => {
  it('takes a one-record request (how a phone sends a panic) in the turn it arrived; a batch waits its turn', async () => {
    const publisher = new TimedPublisher();
    const port = await start(publisher);
    const t = Math.floor(Date.now() / 1000);
    keepTheThreadBusy();
    const panic = await fetch(`http://127.0.0.1:${port}/?id=phone-1&timestamp=${t}&lat=52.1&lon=5.1&alarm=sos`);
    const locations = Array.from({ length: 40 }, (_, i) => ({ timestamp: new Date((t - 600 + i) * 1000).toISOString(), coords: { latitude: 52.1, longitude: 5.1 } }));
    const batch = await fetch(`http://127.0.0.1:${port}/`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ device_id: 'phone-2', location: locations }) });
    busy = false;
    expect([panic.status, batch.status]).toEqual([200, 200]);
    const [p, b] = publisher.delays;
    expect(p!.records[0]).toMatchObject({ deviceId: 'phone-1', priority: 'critical' });
    expect(b!.records).toHaveLength(40);
    // Published before the thread's next turn (25 ms of other work) for the panic; after it for the batch.
    expect(p!.afterMs).toBeLessThan(20);
    expect(b!.afterMs).toBeGreaterThanOrEqual(20);
  });
});
