import { afterEach, describe, expect, it } from 'vitest';
import { tenantId, type TelemetryRecord } from '../../engine/model/index.ts';
import { createGt06Session } from '../gt06/session.ts';
import { ALARM_16, ALARM_16_ANSWER, HEARTBEAT, HEARTBEAT_ANSWER, LOCATION_12, LOGIN, LOGIN_ANSWER, LOGIN_CAPTURE, TIME_REQUEST, bytes } from '../gt06/vectors.ts';
import { startTcpListener, type TcpListener } from './tcp-listener.ts';
import { FakeAdmission, FakePublisher, TestDevice, captureLog, eventually, sleep } from './test-kit.ts';

/** GT06 through the same listener: real sockets, in-memory registry and JetStream. */

const TERMINAL = '123456789012345';
const NOW = Date.UTC(2024, 0, 2, 3, 4, 5);

let listener: TcpListener | undefined;
let device: TestDevice | undefined;

afterEach(async () => {
  device?.destroy();
  await listener?.close();
  listener = device = undefined;
});

async function start(admission = new FakeAdmission(), urgentNow?: (r: TelemetryRecord) => void): Promise<{ l: TcpListener; publisher: FakePublisher; d: TestDevice }> {
  const publisher = new FakePublisher();
  listener = await startTcpListener({
    host: '127.0.0.1',
    port: 0,
    protocol: 'gt06',
    tenant: tenantId('acme'),
    createSession: (limits) => createGt06Session(limits, { now: () => NOW }),
    admission,
    publish: publisher.publish,
    ...(urgentNow ? { urgentNow } : {}),
    log: captureLog().log,
    now: () => NOW,
  });
  device = await TestDevice.connect(listener.port);
  return { l: listener, publisher, d: device };
}

describe('GT06 over TCP', () => {
  it('answers the login byte for byte and publishes a location frame (which GT06 does not answer)', async () => {
    const { publisher, d } = await start();
    await d.write(bytes(LOGIN));
    expect((await d.read(10)).toString('hex').toUpperCase()).toBe(LOGIN_ANSWER.hex);
    await d.write(bytes(LOCATION_12));
    await publisher.called(1);
    await sleep(50);
    expect(d.pending().length).toBe(0);
    expect(publisher.stored[0]).toHaveLength(1);
    expect(publisher.stored[0]![0]).toMatchObject({ deviceId: TERMINAL, protocol: 'gt06', tenantId: 'acme', position: { satellites: 15 } });
  });

  it('answers a heartbeat only after it was published', async () => {
    const { publisher, d } = await start();
    await d.write(bytes(LOGIN));
    await d.read(10);
    publisher.hold();
    await d.write(bytes(HEARTBEAT));
    await publisher.called(1);
    await sleep(100);
    expect(d.pending().length).toBe(0);
    publisher.release();
    expect((await d.read(10)).toString('hex').toUpperCase()).toBe(HEARTBEAT_ANSWER.hex);
  });

  it('publishes locations without waiting for each, and answers the next heartbeat only once all are stored', async () => {
    const { publisher, d } = await start();
    await d.write(bytes(LOGIN));
    await d.read(10);
    publisher.hold();
    await d.write(Buffer.concat([bytes(LOCATION_12), bytes(LOCATION_12), bytes(LOCATION_12), bytes(HEARTBEAT)]));
    // All four handed over while none is acknowledged yet...
    await publisher.called(4);
    await sleep(100);
    expect(publisher.stored).toHaveLength(0);
    // ...and nothing answered until they are.
    expect(d.pending().length).toBe(0);
    publisher.release();
    expect((await d.read(10)).toString('hex').toUpperCase()).toBe(HEARTBEAT_ANSWER.hex);
    expect(publisher.stored).toHaveLength(4);
  });

  it('sends an alarm\'s urgent copy the moment its frame arrives, ahead of the frames queued before it', async () => {
    const urgent: TelemetryRecord[] = [];
    const { publisher, d } = await start(undefined, (r) => urgent.push(r));
    await d.write(bytes(LOGIN));
    await d.read(10);
    publisher.hold();
    await d.write(Buffer.concat([bytes(LOCATION_12), bytes(LOCATION_12), bytes(ALARM_16)]));
    await publisher.called(1);
    // The locations are still waiting for JetStream, the alarm already went out on the urgent lane...
    expect(urgent).toHaveLength(1);
    expect(urgent[0]).toMatchObject({ deviceId: TERMINAL, priority: 'critical' });
    expect(publisher.stored).toHaveLength(0);
    // ...and the device's answer still waits for every publish before it, the alarm's included.
    expect(d.pending().length).toBe(0);
    publisher.release();
    expect((await d.read(10)).toString('hex').toUpperCase()).toBe(ALARM_16_ANSWER.hex);
    expect(publisher.stored.flat().map((r) => r.id)).toContain(urgent[0]!.id);
  });

  it('keeps reading while earlier frames wait, so an alarm sent later is seen at once', async () => {
    const urgent: TelemetryRecord[] = [];
    const { publisher, d } = await start(undefined, (r) => urgent.push(r));
    await d.write(bytes(LOGIN));
    await d.read(10);
    publisher.hold();
    publisher.failNext(0);
    await d.write(Buffer.concat([bytes(LOCATION_12), bytes(HEARTBEAT)]));
    await publisher.called(1);
    // The heartbeat's answer waits for the location's publish; meanwhile the device presses the panic button.
    await d.write(bytes(ALARM_16));
    await eventually(() => urgent.length === 1, 2000, 'the alarm went out on the urgent lane');
    expect(publisher.stored).toHaveLength(0);
    publisher.release();
    expect((await d.read(20)).toString('hex').toUpperCase()).toBe(HEARTBEAT_ANSWER.hex + ALARM_16_ANSWER.hex);
  });

  it('a device that reconnects replaces its older connection, whose queued frames are dropped unanswered', async () => {
    const { l, publisher, d } = await start();
    await d.write(bytes(LOGIN));
    await d.read(10);
    publisher.hold();
    // The first location waits for JetStream; the frames behind it wait in the connection's queue.
    await d.write(Buffer.concat([bytes(LOCATION_12), bytes(HEARTBEAT), bytes(LOCATION_12), bytes(HEARTBEAT)]));
    await publisher.called(1);
    // Another terminal connecting changes nothing for this one.
    const other = await TestDevice.connect(l.port);
    try {
      await other.write(bytes(LOGIN_CAPTURE));
      await other.read(10);
      expect(l.stats.connectionsClosed.replaced).toBe(0);
      // The same terminal gives up waiting and comes back on a new connection.
      const again = await TestDevice.connect(l.port);
      try {
        await again.write(bytes(LOGIN));
        expect((await again.read(10)).toString('hex').toUpperCase()).toBe(LOGIN_ANSWER.hex);
        await d.waitClosed();
        expect(l.stats.connectionsClosed.replaced).toBe(1);
        publisher.release();
        // The new connection works at once; the old one's queued frames were never handed over.
        await again.write(bytes(HEARTBEAT));
        expect((await again.read(10)).toString('hex').toUpperCase()).toBe(HEARTBEAT_ANSWER.hex);
        await sleep(50);
        // The old connection had handed over its first location and the heartbeat (locations do not wait
        // for their publish); the location queued behind the heartbeat's answer never was.
        expect(publisher.stored.flat()).toHaveLength(3);
        expect(d.pending().length).toBe(0);
      } finally {
        again.destroy();
      }
    } finally {
      other.destroy();
    }
  });

  it('does not answer a heartbeat when an earlier unanswered location failed to publish, and closes', async () => {
    const { publisher, d } = await start();
    await d.write(bytes(LOGIN));
    await d.read(10);
    publisher.failNext(1);
    await d.write(Buffer.concat([bytes(LOCATION_12), bytes(HEARTBEAT)]));
    await d.waitClosed();
    expect(d.pending().length).toBe(0);
  });

  it('handles frames written one byte per TCP write', async () => {
    const { publisher, d } = await start();
    await d.writeByteByByte(bytes(LOGIN));
    expect((await d.read(10)).toString('hex').toUpperCase()).toBe(LOGIN_ANSWER.hex);
    await d.writeByteByByte(bytes(ALARM_16));
    expect((await d.read(10)).toString('hex').toUpperCase()).toBe(ALARM_16_ANSWER.hex);
    expect(publisher.stored[0]![0]).toMatchObject({ priority: 'critical' });
  });

  it('handles several frames in one write, answering in order', async () => {
    const { publisher, d } = await start();
    await d.write(Buffer.concat([bytes(LOGIN), bytes(LOCATION_12), bytes(HEARTBEAT), bytes(ALARM_16), bytes(TIME_REQUEST)]));
    const answers = (await d.read(10 + 10 + 10 + 16)).toString('hex').toUpperCase();
    expect(answers.slice(0, 20)).toBe(LOGIN_ANSWER.hex);
    expect(answers.slice(20, 40)).toBe(HEARTBEAT_ANSWER.hex);
    expect(answers.slice(40, 60)).toBe(ALARM_16_ANSWER.hex);
    expect(answers.slice(60, 68)).toBe('78780B8A'); // time answer, content from the injected clock
    expect(publisher.stored.map((b) => b.length)).toEqual([1, 1, 1]);
  });

  it('a refused terminal gets no login answer (GT06 has no reject message) and is closed', async () => {
    const { d } = await start(new FakeAdmission(new Set(['999999999999999'])));
    await d.write(bytes(LOGIN));
    await d.waitClosed();
    expect(d.pending().length).toBe(0);
  });

  it('an oversized 0x7979 length closes the connection on its 4 header bytes', async () => {
    const { l, d } = await start();
    await d.write(bytes(LOGIN));
    await d.read(10);
    await d.write(Buffer.from('7979ffff', 'hex'));
    await d.waitClosed();
    expect(l.stats.protocolErrors['frame-too-large']).toBe(1);
  });
});
