import type { JetStreamClient, JetStreamManager } from '@nats-io/jetstream';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { alarmEventsOf } from '../../actors/alarms.ts';
import type { DerivedEvent } from '../../actors/derived-event.ts';
import { STREAM_EVENTS, STREAM_IN, STREAM_URGENT } from '../../engine/nats/subjects.ts';
import { DEFAULT_TENANT, RECORD_SCHEMA_FINGERPRINT, pack, readInbound, unpack, type DeviceId, type TelemetryRecord } from '../../engine/model/index.ts';
import { startTestTopology, type TestTopology } from '../../engine/testing/nats-server.ts';
import { normalizeRecord } from './normalize.ts';
import { RecordPublisher } from './record-publisher.ts';

/** The batching publisher against a real nats-server: what reaches FLEET_IN, in which order, and when devices are answered. */

const PARTITIONS = 4;
let t: TestTopology;
let js: JetStreamClient;
let jsm: JetStreamManager;

beforeAll(async () => {
  t = await startTestTopology(PARTITIONS);
  ({ js, jsm } = t);
});
afterAll(() => t?.close());

let n = 0;
function rec(device: string, extra: Partial<TelemetryRecord> = {}): TelemetryRecord {
  n++;
  return {
    id: `id-${device}-${n}`, tenantId: DEFAULT_TENANT, deviceId: device as DeviceId, protocol: 'osmand',
    deviceTime: 1_764_000_000_000 + n * 1000, receivedAt: Date.now(), priority: 'normal', position: { lat: 1, lon: 2, speedKmh: 3 }, ...extra,
  };
}

/** Every record in FLEET_IN from sequence `from` on, with the message it came in. */
async function streamRecords(from: number): Promise<{ seq: number; record: TelemetryRecord }[]> {
  const info = await jsm.streams.info(STREAM_IN);
  const out: { seq: number; record: TelemetryRecord }[] = [];
  for (let seq = from; seq <= info.state.last_seq; seq++) {
    const m = await jsm.streams.getMessage(STREAM_IN, { seq });
    if (!m) continue;
    const inbound = readInbound(m.data);
    if (!inbound.ok) throw new Error(inbound.reason);
    for (const r of inbound.records) if (r.ok) out.push({ seq, record: r.record });
  }
  return out;
}

describe('record publisher', () => {
  it('carries many devices in few batches, keeps each device in order, answers each caller once its records are stored', async () => {
    const from = (await jsm.streams.info(STREAM_IN)).state.last_seq + 1;
    const p = new RecordPublisher(js, { partitions: PARTITIONS, lingerMs: 20 });
    const devices = Array.from({ length: 200 }, (_, i) => `dev-${i}`);
    const sent = new Map<string, string[]>();
    const calls: Promise<unknown>[] = [];
    // Five rounds of one packet per device, as 200 connections would deliver them.
    for (let round = 0; round < 5; round++) {
      for (const d of devices) {
        const packet = [rec(d), rec(d)];
        sent.set(d, [...(sent.get(d) ?? []), ...packet.map((r) => r.id)]);
        calls.push(p.publish(packet));
      }
      await new Promise((r) => setImmediate(r));
    }
    const outcomes = await Promise.all(calls);
    expect(outcomes.every((o) => (o as { stored: number }).stored === 2)).toBe(true);
    const stored = await streamRecords(from);
    expect(stored).toHaveLength(2000);
    expect(p.stats.records).toBe(2000);
    // Batching happened: far fewer messages than records.
    expect(p.stats.batches).toBeLessThan(200);
    for (const d of devices) {
      expect(stored.filter((s) => s.record.deviceId === d).map((s) => s.record.id)).toEqual(sent.get(d));
    }
    p.close();
  });

  it('answers a resend of acknowledged records without publishing them again', async () => {
    const p = new RecordPublisher(js, { partitions: PARTITIONS, lingerMs: 0 });
    const packet = [rec('resender'), rec('resender')];
    expect(p.resent(packet[0]!.id), 'not acknowledged yet').toBe(false);
    expect(await p.publish(packet)).toEqual({ stored: 2, duplicates: 0 });
    expect(p.resent(packet[0]!.id)).toBe(true);
    expect(p.resent('never-published')).toBe(false);
    const last = (await jsm.streams.info(STREAM_IN)).state.last_seq;
    expect(await p.publish([...packet, rec('resender')])).toEqual({ stored: 1, duplicates: 2 });
    const after = await streamRecords(last + 1);
    expect(after.map((s) => s.record.id)).toEqual([`id-resender-${n}`]);
    p.close();
  });

  it("reports the longest wait for JetStream's answer since the last report", async () => {
    // JetStream answering 120 ms late (a busy nats-server): the devices' ACKs wait that long too.
    const slow = { publish: async (...a: Parameters<JetStreamClient['publish']>) => (await new Promise((r) => setTimeout(r, 120)), js.publish(...a)) } as JetStreamClient;
    const p = new RecordPublisher(slow, { partitions: PARTITIONS, lingerMs: 0 });
    expect(p.takeStats().ackMaxMs).toBe(0);
    await p.publish([rec('slow-ack')]);
    const first = p.takeStats();
    expect(first.ackMaxMs).toBeGreaterThanOrEqual(110);
    expect(first.batches).toBe(1);
    // Starts over for the next report; the counters do not.
    const second = p.takeStats();
    expect(second.ackMaxMs).toBe(0);
    expect(second.batches).toBe(1);
    p.close();
  });

  it('keeps remembering a record its device keeps resending, however many records come in between', async () => {
    const p = new RecordPublisher(js, { partitions: PARTITIONS, lingerMs: 0, recentIds: 4 });
    const old = rec('looping');
    await p.publish([old]);
    for (let i = 0; i < 5; i++) {
      expect(p.resent(old.id), `resend ${i}`).toBe(true);
      await p.publish([rec('others'), rec('others')]);
    }
    p.close();
  });

  it('sends critical records to the urgent lane too', async () => {
    const p = new RecordPublisher(js, { partitions: PARTITIONS, lingerMs: 0 });
    const before = (await jsm.streams.info(STREAM_URGENT)).state.messages;
    await p.publish([rec('panicky', { priority: 'critical', alarms: ['panic'] }), rec('panicky')]);
    expect((await jsm.streams.info(STREAM_URGENT)).state.messages).toBe(before + 1);
    p.close();
  });

  it("publishes a critical record's alarm event itself, with the id the urgent lane and the actor give it", async () => {
    const p = new RecordPublisher(js, { partitions: PARTITIONS, lingerMs: 0 });
    const sub = t.nc.subscribe('fleet.out.*.alarm_crash.crashy', { max: 1 });
    const seen = (async () => {
      for await (const m of sub) return unpack(m.data) as DerivedEvent;
      return undefined;
    })();
    const crash = rec('crashy', { priority: 'critical', alarms: ['crash'] });
    const before = (await jsm.streams.info(STREAM_EVENTS)).state.messages;
    await p.publish([crash]);
    const [expected] = alarmEventsOf(crash);
    expect(await seen).toEqual(expected);
    await vi.waitFor(() => expect(p.stats.alarmEvents).toBe(1));
    expect((await jsm.streams.info(STREAM_EVENTS)).state.messages).toBe(before + 1);
    // The urgent lane's copy of the same event (same id) is not stored again.
    await js.publish(`fleet.out.${crash.tenantId}.alarm_crash.crashy`, pack(expected!), { msgID: expected!.id });
    expect((await jsm.streams.info(STREAM_EVENTS)).state.messages).toBe(before + 1);
    p.close();
  });

  it('says in the batch that its records were checked by the schema, only when every one was', async () => {
    const from = (await jsm.streams.info(STREAM_IN)).state.last_seq + 1;
    const p = new RecordPublisher(js, { partitions: 1, lingerMs: 0 });
    const checked = (device: string) => {
      const n = normalizeRecord(DEFAULT_TENANT, { deviceId: device as DeviceId, protocol: 'osmand', deviceTime: 1_764_000_000_000, position: { lat: 1, lon: 2, speedKmh: 0 } }, Date.now());
      if (!n.ok) throw new Error(n.reason);
      return n.record;
    };
    await p.publish([checked('chk-a'), checked('chk-b')]);
    await p.publish([checked('chk-c'), rec('hand-made')]);
    const last = (await jsm.streams.info(STREAM_IN)).state.last_seq;
    const schemas: unknown[] = [];
    for (let seq = from; seq <= last; seq++) schemas.push((unpack((await jsm.streams.getMessage(STREAM_IN, { seq }))!.data) as { schema?: unknown }).schema);
    expect(schemas).toEqual([RECORD_SCHEMA_FINGERPRINT, undefined]);
    p.close();
  });

  it('rejects (so the device is not answered) when JetStream cannot take the batch', async () => {
    const p = new RecordPublisher(js, { partitions: PARTITIONS, lingerMs: 0, timeoutMs: 500 });
    await t.nats.stop();
    try {
      await expect(p.publish([rec('unlucky')])).rejects.toThrow(/did not acknowledge 1 of 1 records of device unlucky/);
      expect(p.stats.failedBatches).toBeGreaterThanOrEqual(1);
    } finally {
      await t.nats.start();
    }
    // Back up: the device's resend goes through.
    const deadline = Date.now() + 15_000;
    let ok = false;
    while (!ok && Date.now() < deadline) {
      ok = await p.publish([rec('unlucky')]).then(
        () => true,
        () => false,
      );
    }
    expect(ok).toBe(true);
    p.close();
  });
});
