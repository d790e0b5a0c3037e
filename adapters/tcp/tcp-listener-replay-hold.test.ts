import { afterEach, describe, expect, it } from 'vitest';
import { tenantId, type Protocol, type TelemetryRecord } from '../../engine/model/index.ts';
import { createGt06Session } from '../gt06/session.ts';
import { ALARM_16, ALARM_16_ANSWER, LOCATION_12, LOGIN, bytes as gt06Bytes } from '../gt06/vectors.ts';
import { ReplayHold } from '../ingest/replay-hold.ts';
import { createTeltonikaSession } from '../teltonika/session.ts';
import { CODEC_8E, encodeAvlData, encodeImei, encodeTcpPacket, sampleRecord } from '../teltonika/test-encoder.ts';
import { DecodeScheduler } from './decode-scheduler.ts';
import type { ProtocolSession, SessionLimits } from './protocol-session.ts';
import { startTcpListener, type TcpListener } from './tcp-listener.ts';
import { FakeAdmission, FakePublisher, TestDevice, captureLog, eventually, sleep } from './test-kit.ts';

/**
 * Replays wait as bytes while the intake is backed up (adapters/ingest/replay-hold.ts): real sockets,
 * a backlog the test sets, in-memory registry and JetStream.
 */

const NOW = Date.UTC(2024, 0, 2, 3, 4, 5);
const HOUR = 3_600_000;

let listeners: TcpListener[] = [];
let devices: TestDevice[] = [];

afterEach(async () => {
  for (const d of devices) d.destroy();
  await Promise.all(listeners.map((l) => l.close()));
  listeners = [];
  devices = [];
});

async function start(protocol: Protocol, createSession: (l: SessionLimits) => ProtocolSession, decoding?: DecodeScheduler) {
  // The governor as the hold sees it: replays waiting (always 1 here, so the hold is busy) and a
  // replay admission the test lets through; and what the connections' own records steps ask of it.
  const turns: (() => void)[] = [];
  const intake = {
    heldAdmissions: [] as number[],
    paced: [] as number[],
    open: () => turns.splice(0).forEach((go) => go()),
  };
  const hold = new ReplayHold(() => 1, (records) => {
    intake.heldAdmissions.push(records);
    return new Promise<void>((resolve) => turns.push(resolve));
  }, 1);
  const publisher = new FakePublisher();
  const urgent: TelemetryRecord[] = [];
  const listener = await startTcpListener({
    host: '127.0.0.1',
    port: 0,
    protocol,
    tenant: tenantId('acme'),
    createSession,
    admission: new FakeAdmission(),
    publish: publisher.publish,
    urgentNow: (r) => urgent.push(r),
    replayHold: hold,
    admit: async (records) => void intake.paced.push(records),
    ...(decoding ? { decoding } : {}),
    log: captureLog().log,
    now: () => NOW,
  });
  listeners.push(listener);
  const connect = async () => {
    const d = await TestDevice.connect(listener.port);
    devices.push(d);
    return d;
  };
  return { intake, hold, publisher, urgent, connect };
}

const avl = (times: number[], priority = 0) =>
  encodeTcpPacket(encodeAvlData(CODEC_8E, times.map((t) => sampleRecord({ timestampMs: BigInt(t), priority }))));
const published = (p: FakePublisher, device: string) => p.batches.flat().filter((r) => r.deviceId === device);

describe('replays held as bytes', () => {
  it('Teltonika: a replay waits undecoded while the intake is full; live packets and alarms do not; it is answered once there is room', async () => {
    const { intake, hold, publisher, urgent, connect } = await start('teltonika', (l) => createTeltonikaSession(l));
    const hello = async (imei: string) => {
      const d = await connect();
      await d.write(encodeImei(imei));
      expect((await d.read(1))[0]).toBe(1);
      return d;
    };
    const replaying = await hello('356307042441013');
    await replaying.write(avl([NOW - HOUR, NOW - HOUR + 10_000, NOW - HOUR + 20_000]));
    await eventually(() => hold.stats.heldNow === 1, 2000, 'the replay held');

    const live = await hello('356307042441021');
    await live.write(avl([NOW - 5000, NOW]));
    expect((await live.read(4)).readUInt32BE(0)).toBe(2);

    const panicking = await hello('356307042441039');
    await panicking.write(avl([NOW - HOUR, NOW - 1000], 2));
    expect((await panicking.read(4)).readUInt32BE(0)).toBe(2);
    expect(urgent.map((r) => r.deviceId)).toContain('356307042441039');

    await sleep(50);
    expect(published(publisher, '356307042441013')).toHaveLength(0);
    expect(replaying.pending().length).toBe(0);

    // It waited in the governor's queue with its peeked count; the live packet was paced as usual.
    expect(intake.heldAdmissions).toEqual([3]);
    expect(intake.paced).toEqual([2]);
    intake.open();
    expect((await replaying.read(4)).readUInt32BE(0)).toBe(3);
    expect(published(publisher, '356307042441013').map((r) => r.deviceTime)).toEqual([NOW - HOUR, NOW - HOUR + 10_000, NOW - HOUR + 20_000]);
    expect(hold.stats).toEqual({ heldNow: 0, heldTotal: 1 });
    // Admitted while it was bytes, it does not queue a second time once decoded.
    expect(intake.paced).toEqual([2]);
  });

  it('a replay arriving once the decode budget is spent is peeked in the scheduler\'s turn, not while sockets are read, and held there', async () => {
    // A replay packet is kilobytes; only chunks of an alarm's size are peeked as the socket is read.
    const peekedWhere: string[] = [];
    const spying = (l: SessionLimits): ProtocolSession => {
      const session = createTeltonikaSession(l);
      const peek = session.peek!.bind(session);
      session.peek = (chunk) => {
        const seen = peek(chunk);
        // The handshake is peeked too (and is nothing to hold); the AVL packet is what counts.
        if (seen) peekedWhere.push(new Error().stack?.includes('decodeNext') ? 'scheduler' : 'socket read');
        return seen;
      };
      return session;
    };
    // A budget of 0 ms: every chunk after the handshake waits for the scheduler, as in a storm's busy poll phase.
    const { intake, hold, publisher, connect } = await start('teltonika', spying, new DecodeScheduler(0));
    const d = await connect();
    await d.write(encodeImei('356307042441047'));
    expect((await d.read(1))[0]).toBe(1);
    const replay = avl(Array.from({ length: 40 }, (_, i) => NOW - HOUR + i * 10_000));
    expect(replay.length).toBeGreaterThan(1024);
    await d.write(replay);
    await eventually(() => hold.stats.heldNow === 1, 2000, 'the replay held');
    expect(peekedWhere).toEqual(['scheduler']);
    await sleep(30);
    expect(published(publisher, '356307042441047')).toHaveLength(0);
    intake.open();
    expect((await d.read(4)).readUInt32BE(0)).toBe(40);
    expect(peekedWhere).toEqual(['scheduler']);
  });

  it('GT06: an alarm sent behind the held replay lets the connection go at once, and its frames keep their order', async () => {
    const { hold, publisher, urgent, connect } = await start('gt06', (l) => createGt06Session(l, { now: () => NOW }));
    const d = await connect();
    await d.write(gt06Bytes(LOGIN));
    await d.read(10);
    await d.write(Buffer.concat([gt06Bytes(LOCATION_12), gt06Bytes(LOCATION_12), gt06Bytes(LOCATION_12)]));
    await eventually(() => hold.stats.heldNow === 1, 2000, 'the replay held');
    await sleep(50);
    expect(publisher.batches).toHaveLength(0);

    // The intake is still full: only the alarm behind the replay lets it go.
    await d.write(gt06Bytes(ALARM_16));
    expect((await d.read(10)).toString('hex').toUpperCase()).toBe(ALARM_16_ANSWER.hex);
    expect(urgent).toHaveLength(1);
    expect(publisher.batches.flat().map((r) => r.alarms ?? [])).toEqual([[], [], [], ['panic']]);
  });
});
