import { afterEach, describe, expect, it } from 'vitest';
import { tenantId } from '../../engine/model/index.ts';
import { createTeltonikaSession } from '../teltonika/session.ts';
import { CODEC_8E, encodeAvlData, encodeTcpPacket, sampleRecord } from '../teltonika/test-encoder.ts';
import {
  CODEC16_EXAMPLE,
  CODEC8_EXAMPLE_1,
  CODEC8_EXAMPLE_2,
  CODEC8_EXAMPLE_3,
  CODEC8E_EXAMPLE,
  IMEI_HANDSHAKE,
  bytes,
} from '../teltonika/vectors.ts';
import type { ConnectionLimits } from './connection-limits.ts';
import { DecodeScheduler } from './decode-scheduler.ts';
import { startTcpListener, type TcpListener } from './tcp-listener.ts';
import { FakeAdmission, FakePublisher, TestDevice, captureLog, eventually, sleep } from './test-kit.ts';

/** Real sockets on a free port; the registry and JetStream are in-memory fakes. */

const IMEI = '356307042441013';
const TENANT = tenantId('acme');

let listeners: TcpListener[] = [];
let devices: TestDevice[] = [];

afterEach(async () => {
  for (const d of devices) d.destroy();
  await Promise.all(listeners.map((l) => l.close()));
  listeners = [];
  devices = [];
});

async function start(
  opts: { admission?: FakeAdmission; publisher?: FakePublisher; limits?: Partial<ConnectionLimits>; admit?: (records: number) => Promise<void>; decoding?: DecodeScheduler } = {},
): Promise<{ listener: TcpListener; admission: FakeAdmission; publisher: FakePublisher; lines: ReturnType<typeof captureLog>['lines'] }> {
  const admission = opts.admission ?? new FakeAdmission();
  const publisher = opts.publisher ?? new FakePublisher();
  const { log, lines } = captureLog();
  const listener = await startTcpListener({
    host: '127.0.0.1',
    port: 0,
    protocol: 'teltonika',
    tenant: TENANT,
    createSession: (limits) => createTeltonikaSession(limits),
    limits: opts.limits,
    admission,
    publish: publisher.publish,
    resent: publisher.resent,
    ...(opts.admit ? { admit: opts.admit } : {}),
    ...(opts.decoding ? { decoding: opts.decoding } : {}),
    log,
    now: () => 1_700_000_000_000,
  });
  listeners.push(listener);
  return { listener, admission, publisher, lines };
}

async function connect(listener: TcpListener): Promise<TestDevice> {
  const d = await TestDevice.connect(listener.port);
  devices.push(d);
  return d;
}

/** A device that has sent its IMEI and been told 0x01. */
/** Handshake as another device: two connections of one IMEI would be a reconnect, which replaces the older. */
function handshakeOf(imei: string): Buffer {
  const len = Buffer.alloc(2);
  len.writeUInt16BE(imei.length);
  return Buffer.concat([len, Buffer.from(imei, 'ascii')]);
}

async function identified(listener: TcpListener, imei?: string): Promise<TestDevice> {
  const d = await connect(listener);
  await d.write(imei === undefined ? bytes(IMEI_HANDSHAKE) : handshakeOf(imei));
  expect((await d.read(1)).toString('hex')).toBe('01');
  return d;
}

function withBadCrc(packet: Buffer): Buffer {
  const copy = Buffer.from(packet);
  copy[copy.length - 1]! ^= 0xff;
  return copy;
}

describe('Teltonika over TCP', () => {
  it('accepts a registered IMEI with 0x01 and asks the registry with tenant and protocol', async () => {
    const { listener, admission } = await start({ admission: new FakeAdmission(new Set([IMEI])) });
    await identified(listener);
    expect(admission.asked).toEqual([{ tenant: TENANT, device: IMEI, protocol: 'teltonika' }]);
    expect(listener.stats.devicesAdmitted).toBe(1);
  });

  it('refuses an unknown IMEI in strict mode: 0x00, a log line with the reason, and the socket closes', async () => {
    const { listener, lines } = await start({ admission: new FakeAdmission(new Set(['111111111111111'])) });
    const d = await connect(listener);
    await d.write(bytes(IMEI_HANDSHAKE));
    expect((await d.read(1)).toString('hex')).toBe('00');
    await d.waitClosed();
    const refusal = lines.find((l) => l.msg === 'device refused');
    expect(refusal).toMatchObject({ protocol: 'teltonika', deviceId: IMEI, reason: expect.stringContaining('not registered') });
    expect(refusal?.remote).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(listener.stats.connectionsClosed['device-refused']).toBe(1);
  });

  it('answers a packet with its record count only after the publish resolved', async () => {
    const { listener, publisher } = await start();
    const d = await identified(listener);
    publisher.hold();
    await d.write(bytes(CODEC8_EXAMPLE_3));
    await publisher.called(1);
    await sleep(150);
    expect(d.pending().length, 'no byte may reach the device before JetStream acknowledged').toBe(0);
    publisher.release();
    expect((await d.read(4)).toString('hex')).toBe('00000002');
    expect(publisher.stored[0]!.map((r) => r.deviceId)).toEqual([IMEI, IMEI]);
    expect(publisher.stored[0]![0]).toMatchObject({ tenantId: 'acme', protocol: 'teltonika', receivedAt: 1_700_000_000_000 });
    expect(listener.stats.recordsPublished).toBe(2);
  });

  it('a packet resent after its ACK was lost is answered at once, neither paced nor published again', async () => {
    const paced: number[] = [];
    const { listener, publisher } = await start({ admit: async (n) => void paced.push(n) });
    const first = await identified(listener);
    await first.write(bytes(CODEC8_EXAMPLE_3));
    expect((await first.read(4)).toString('hex')).toBe('00000002');
    // The ACK was lost on the way: the device reconnects and sends the same packet, then a new one.
    const again = await identified(listener);
    await again.write(bytes(CODEC8_EXAMPLE_3));
    expect((await again.read(4)).toString('hex')).toBe('00000002');
    await again.write(bytes(CODEC8_EXAMPLE_2));
    expect((await again.read(4)).toString('hex')).toBe('00000001');
    expect(publisher.batches.map((b) => b.length)).toEqual([2, 1]);
    expect(paced, 'the governor is charged for new records only').toEqual([2, 1]);
    expect(listener.stats.recordsResent).toBe(2);
    expect(listener.stats.recordsPublished).toBe(3);
  });

  it('a failed publish gets no answer and closes; the device reconnects, resends, and is answered', async () => {
    const { listener, publisher, lines } = await start();
    const first = await identified(listener);
    publisher.failNext();
    await first.write(bytes(CODEC8_EXAMPLE_1));
    await first.waitClosed();
    expect(first.pending().length).toBe(0);
    expect(lines.find((l) => l.msg.startsWith('publish failed'))).toMatchObject({ deviceId: IMEI, count: 1 });
    expect(listener.stats.publishFailures).toBe(1);
    expect(listener.stats.connectionsClosed['publish-failed']).toBe(1);

    const again = await identified(listener);
    await again.write(bytes(CODEC8_EXAMPLE_1));
    expect((await again.read(4)).toString('hex')).toBe('00000001');
    expect(publisher.batches).toHaveLength(2);
    expect(publisher.stored).toHaveLength(1);
    // Same record, same id: JetStream's duplicate window would drop it had the first publish landed after all.
    expect(publisher.stored[0]![0]!.id).toBe(publisher.batches[0]![0]!.id);
  });

  it('a bad-CRC packet gets no answer and the connection stays usable', async () => {
    const { listener, publisher } = await start();
    const d = await identified(listener);
    await d.write(withBadCrc(bytes(CODEC8_EXAMPLE_1)));
    await sleep(100);
    expect(d.pending().length).toBe(0);
    expect(d.isClosed).toBe(false);
    await d.write(bytes(CODEC8_EXAMPLE_2));
    expect((await d.read(4)).toString('hex')).toBe('00000001');
    expect(publisher.stored).toHaveLength(1);
    expect(listener.stats.protocolErrors['bad-crc']).toBe(1);
  });

  it('closes after maxConsecutiveIgnored bad packets in a row, and a good one resets the count', async () => {
    const { listener } = await start({ limits: { maxConsecutiveIgnored: 3 } });
    const d = await identified(listener);
    const bad = withBadCrc(bytes(CODEC8_EXAMPLE_1));
    await d.write(Buffer.concat([bad, bad, bytes(CODEC8_EXAMPLE_2), bad, bad]));
    expect((await d.read(4)).toString('hex')).toBe('00000001');
    await sleep(100);
    expect(d.isClosed).toBe(false);
    await d.write(bad);
    await d.waitClosed();
    expect(listener.stats.connectionsClosed['too-many-ignored']).toBe(1);
  });

  it('handles a stream written one byte per TCP write', async () => {
    const { listener, publisher } = await start();
    const d = await connect(listener);
    await d.writeByteByByte(bytes(IMEI_HANDSHAKE));
    expect((await d.read(1)).toString('hex')).toBe('01');
    await d.writeByteByByte(bytes(CODEC8E_EXAMPLE));
    expect((await d.read(4)).toString('hex')).toBe('00000001');
    expect(publisher.stored).toHaveLength(1);
  });

  it('with every chunk decoded in a later turn (a spent decode budget), byte-by-byte writes and packets are still answered in order', async () => {
    const decoding = new DecodeScheduler(0);
    const { listener, publisher } = await start({ decoding });
    const d = await connect(listener);
    await d.writeByteByByte(bytes(IMEI_HANDSHAKE));
    expect((await d.read(1)).toString('hex')).toBe('01');
    await d.writeByteByByte(bytes(CODEC8E_EXAMPLE));
    await d.write(Buffer.concat([bytes(CODEC8_EXAMPLE_1), bytes(CODEC8_EXAMPLE_3)]));
    expect((await d.read(12)).toString('hex')).toBe('00000001' + '00000001' + '00000002');
    expect(publisher.stored.map((b) => b.length)).toEqual([1, 1, 2]);
    expect(decoding.stats.inline).toBe(0);
    expect(decoding.stats.deferred).toBeGreaterThan(10);
  });

  it('decodes a packet carrying a panic at once, while other devices\' packets wait for the next decode turn', async () => {
    // A spent decode budget whose later turns the test gives out: a storm's queue of small packets.
    let holdTurns = false;
    const turns: (() => void)[] = [];
    const decoding = new DecodeScheduler(0, 1024, () => performance.now(), (fn) => (holdTurns ? turns.push(fn) : setImmediate(fn)));
    const { listener, publisher } = await start({ decoding });
    const waiting = await identified(listener);
    const panicking = await identified(listener, '356307042441014');
    holdTurns = true;
    await waiting.write(bytes(CODEC8_EXAMPLE_2));
    const panic = encodeTcpPacket(encodeAvlData(CODEC_8E, [sampleRecord({ timestampMs: 1_700_000_000_000n, priority: 2 })]));
    await panicking.write(panic);
    expect((await panicking.read(4)).toString('hex')).toBe('00000001');
    expect(publisher.stored.map((b) => b.map((r) => r.deviceId))).toEqual([['356307042441014']]);
    // The ordinary packet goes in its turn.
    holdTurns = false;
    for (const t of turns.splice(0)) t();
    expect((await waiting.read(4)).toString('hex')).toBe('00000001');
    expect(publisher.stored).toHaveLength(2);
  });

  it('handles the handshake and several packets in one write, answering each in order', async () => {
    const { listener, publisher } = await start();
    const d = await connect(listener);
    await d.write(
      Buffer.concat([bytes(IMEI_HANDSHAKE), bytes(CODEC8_EXAMPLE_1), bytes(CODEC8_EXAMPLE_3), bytes(CODEC16_EXAMPLE)]),
    );
    expect((await d.read(13)).toString('hex')).toBe('01' + '00000001' + '00000002' + '00000002');
    expect(publisher.stored.map((b) => b.length)).toEqual([1, 2, 2]);
  });

  it('a length claiming 4 GB closes only that connection; another keeps working', async () => {
    const { listener, publisher, lines } = await start();
    const victim = await identified(listener);
    const other = await identified(listener, '356307042441014');
    await victim.write(Buffer.from('00000000ffffffff', 'hex'));
    await victim.waitClosed();
    expect(lines.find((l) => l.code === 'frame-too-large')).toMatchObject({ deviceId: IMEI, remote: expect.any(String) });
    await other.write(bytes(CODEC8_EXAMPLE_2));
    expect((await other.read(4)).toString('hex')).toBe('00000001');
    expect(publisher.stored).toHaveLength(1);
    expect(listener.stats.connectionsClosed['protocol-error']).toBe(1);
    expect(listener.stats.connectionsClosed.replaced).toBe(0);
  });

  it('a device that reconnects replaces its older connection; the new one is answered', async () => {
    const { listener, publisher } = await start();
    const first = await identified(listener);
    publisher.hold();
    await first.write(bytes(CODEC8_EXAMPLE_2));
    await publisher.called(1);
    // No answer yet: the device gives up and reconnects, resending the packet there.
    const second = await identified(listener);
    await first.waitClosed();
    expect(listener.stats.connectionsClosed.replaced).toBe(1);
    publisher.release();
    await second.write(bytes(CODEC8_EXAMPLE_2));
    expect((await second.read(4)).toString('hex')).toBe('00000001');
    expect(first.pending().length).toBe(0);
  });

  it('enforces maxConnectionsPerAddress and frees the slot when a connection closes', async () => {
    const { listener, lines } = await start({ limits: { maxConnectionsPerAddress: 2 } });
    const a = await connect(listener);
    await connect(listener);
    await eventually(() => listener.connections() === 2, 2000, 'two connections open');
    const third = await connect(listener);
    await third.waitClosed();
    expect(listener.stats.connectionsRefused['max-connections-per-address']).toBe(1);
    expect(lines.find((l) => l.msg === 'connection refused')?.reason).toMatch(/limit maxConnectionsPerAddress 2/);

    await a.end();
    await eventually(() => listener.connections() === 1, 2000, 'slot freed');
    const fourth = await identified(listener);
    expect(fourth.isClosed).toBe(false);
  });

  it('enforces maxConnections', async () => {
    const { listener } = await start({ limits: { maxConnections: 1 } });
    await identified(listener);
    const second = await connect(listener);
    await second.waitClosed();
    expect(listener.stats.connectionsRefused['max-connections']).toBe(1);
  });

  it('closes a connection idle for idleTimeoutMs', async () => {
    const { listener, lines } = await start({ limits: { idleTimeoutMs: 150 } });
    const d = await identified(listener);
    await d.waitClosed(2000);
    expect(listener.stats.connectionsClosed['idle-timeout']).toBe(1);
    expect(lines.find((l) => l.msg === 'closing idle connection')).toMatchObject({ deviceId: IMEI, reason: expect.stringContaining('150 ms') });
  });

  it('data before the handshake closes the connection', async () => {
    const { listener } = await start();
    const d = await connect(listener);
    await d.write(bytes(CODEC8_EXAMPLE_1));
    await d.waitClosed();
    expect(d.pending().length).toBe(0);
    expect(listener.stats.protocolErrors['not-identified']).toBe(1);
  });

  it('a registry outage closes the connection without answering', async () => {
    const admission = new FakeAdmission();
    admission.failWith = new Error('KV timeout');
    const { listener } = await start({ admission });
    const d = await connect(listener);
    await d.write(bytes(IMEI_HANDSHAKE));
    await d.waitClosed();
    expect(d.pending().length).toBe(0);
    expect(listener.stats.connectionsClosed['admission-failed']).toBe(1);
  });

  it('close() stops accepting and ends open connections', async () => {
    const { listener } = await start();
    const d = await identified(listener);
    await listener.close();
    await d.waitClosed();
    expect(listener.connections()).toBe(0);
    await expect(TestDevice.connect(listener.port)).rejects.toThrow();
  });

  it('close() lets a publish in flight finish and answers it before ending', async () => {
    const { listener, publisher } = await start();
    const d = await identified(listener);
    publisher.hold();
    await d.write(bytes(CODEC8_EXAMPLE_1));
    await publisher.called(1);
    const closing = listener.close();
    await sleep(50);
    publisher.release();
    await closing;
    expect((await d.read(4)).toString('hex')).toBe('00000001');
    await d.waitClosed();
  });
});
