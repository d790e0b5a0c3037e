import { afterEach, describe, expect, it } from 'vitest';
import { tenantId, type TelemetryRecord } from '../../engine/model/index.ts';
import type { PublishOutcome } from '../ingest/record-publisher.ts';
import { ReplayHold } from '../ingest/replay-hold.ts';
import { FakeAdmission, captureLog } from '../tcp/test-kit.ts';
import { startOsmandListener, type OsmandListener } from './http-listener.ts';

/** The OsmAnd listener over real HTTP, with an in-memory publisher and registry. */

let listener: OsmandListener | undefined;
let busy = false;
/** Turns of other work done so far (keepTheThreadBusy). */
let busyTurns = 0;

afterEach(() => {
  busy = false;
  listener?.close();
  listener = undefined;
});

/**
 * Publishes instantly, noting how many of the thread's turns of other work ran between the request
 * being taken in (the listener's clock) and its publish: counted, not timed, so a loaded machine
 * cannot make the answer wrong.
 */
class TimedPublisher {
  readonly delays: { records: TelemetryRecord[]; turnsAfter: number }[] = [];
  takenInAtTurn = 0;
  readonly publish = async (records: readonly TelemetryRecord[]): Promise<PublishOutcome> => {
    this.delays.push({ records: [...records], turnsAfter: busyTurns - this.takenInAtTurn });
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
    busyTurns++;
    if (busy) setImmediate(work);
  };
  setImmediate(work);
}

async function start(publisher: TimedPublisher, more: Partial<Parameters<typeof startOsmandListener>[0]> = {}): Promise<number> {
  listener = await startOsmandListener({
    host: '127.0.0.1',
    port: 0,
    tenant: tenantId('acme'),
    publisher,
    admission: new FakeAdmission(),
    log: captureLog().log,
    ...more,
    now: () => {
      publisher.takenInAtTurn = busyTurns;
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
    // Published before the thread's next turn of other work for the panic; after it for the batch.
    expect(p!.turnsAfter).toBe(0);
    expect(b!.turnsAfter).toBeGreaterThanOrEqual(1);
  });

  it('while the intake is backed up, a replay batch waits for its turn as bytes and is not paced again', async () => {
    const publisher = new TimedPublisher();
    const turns: { records: number; let: () => void }[] = [];
    const paced: number[] = [];
    // 300 replays already wait for the governor: the hold is busy.
    const replayHold = new ReplayHold(() => 300, (records) => new Promise<void>((resolve) => turns.push({ records, let: resolve })), 256);
    const port = await start(publisher, { replayHold, admit: async (n) => void paced.push(n) });
    const t = Date.now();
    // 40 locations a second apart, ending `endMs`.
    const body = (device: string, endMs: number) =>
      JSON.stringify({ device_id: device, location: Array.from({ length: 40 }, (_, i) => ({ timestamp: new Date(endMs - (39 - i) * 1000).toISOString(), coords: { latitude: 52.1, longitude: 5.1 } })) });
    const post = (b: string) => fetch(`http://127.0.0.1:${port}/`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: b });

    const replay = post(body('phone-old', t - 3600_000));
    await eventuallyTrue(() => turns.length === 1);
    expect(turns[0]!.records).toBe(40);
    expect(publisher.delays).toHaveLength(0); // waiting, unparsed
    // A live batch is not held: it is parsed and paced as before.
    expect((await post(body('phone-live', t))).status).toBe(200);
    expect(paced).toEqual([40]);
    turns[0]!.let();
    expect((await replay).status).toBe(200);
    expect(publisher.delays.map((d) => [d.records[0]!.deviceId, d.records.length])).toEqual([['phone-live', 40], ['phone-old', 40]]);
    expect(paced).toEqual([40]); // its turn was its pacing
  });
});

async function eventuallyTrue(check: () => boolean): Promise<void> {
  for (let i = 0; i < 100 && !check(); i++) await new Promise((r) => setTimeout(r, 10));
  expect(check()).toBe(true);
}

