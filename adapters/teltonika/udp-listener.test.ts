import dgram from 'node:dgram';
import { afterEach, describe, expect, it } from 'vitest';
import { tenantId } from '../../engine/model/index.ts';
import type { UdpListenerLimits } from './udp-listener.ts';
import { startTeltonikaUdpListener, type TeltonikaUdpListener } from './udp-listener.ts';
import { FakeAdmission, FakePublisher, captureLog, eventually, sleep } from '../tcp/test-kit.ts';
import { encodeAvlData, encodeUdpDatagram, sampleRecord, CODEC_8 } from './test-encoder.ts';
import { UDP_CODEC8_EXAMPLE, UDP_CODEC8E_EXAMPLE, bytes } from './vectors.ts';

/** A real UDP socket on a free port; registry and JetStream are in-memory fakes. */

const IMEI = '352093086403655';

/** A device's UDP socket: keeps every datagram it is sent. */
class UdpDevice {
  readonly received: Buffer[] = [];
  private constructor(private readonly socket: dgram.Socket) {
    socket.on('message', (m) => this.received.push(m));
  }
  static async open(): Promise<UdpDevice> {
    const socket = dgram.createSocket('udp4');
    await new Promise<void>((r) => socket.bind(0, '127.0.0.1', () => r()));
    return new UdpDevice(socket);
  }
  send(port: number, datagram: Buffer): Promise<void> {
    return new Promise((resolve, reject) => this.socket.send(datagram, port, '127.0.0.1', (err) => (err ? reject(err) : resolve())));
  }
  async nextReply(timeoutMs = 2000): Promise<string> {
    await eventually(() => this.received.length > 0, timeoutMs, 'a reply');
    return this.received.shift()!.toString('hex').toUpperCase();
  }
  close(): void {
    this.socket.close();
  }
}

let listener: TeltonikaUdpListener | undefined;
let device: UdpDevice | undefined;

afterEach(async () => {
  device?.close();
  await listener?.close();
  listener = device = undefined;
});

async function start(opts: { admission?: FakeAdmission; limits?: Partial<UdpListenerLimits> } = {}) {
  const publisher = new FakePublisher();
  const { log, lines } = captureLog();
  listener = await startTeltonikaUdpListener({
    host: '127.0.0.1',
    port: 0,
    tenant: tenantId('acme'),
    admission: opts.admission ?? new FakeAdmission(),
    publish: publisher.publish,
    log,
    limits: opts.limits,
    now: () => 1_700_000_000_000,
  });
  device = await UdpDevice.open();
  return { l: listener, publisher, lines, d: device };
}

describe('Teltonika over UDP', () => {
  it('answers a Codec 8 datagram with the documented acknowledgement, only after the publish resolved', async () => {
    const { l, publisher, d } = await start();
    publisher.hold();
    await d.send(l.port, bytes(UDP_CODEC8_EXAMPLE));
    await publisher.called(1);
    await sleep(100);
    expect(d.received).toHaveLength(0);
    publisher.release();
    expect(await d.nextReply()).toBe(UDP_CODEC8_EXAMPLE.answer);
    expect(publisher.stored[0]![0]).toMatchObject({ deviceId: IMEI, tenantId: 'acme', protocol: 'teltonika', receivedAt: 1_700_000_000_000 });
    expect(l.stats).toMatchObject({ recordsPublished: 1, repliesSent: 1 });
  });

  it('answers a Codec 8 Extended datagram', async () => {
    const { l, d } = await start();
    await d.send(l.port, bytes(UDP_CODEC8E_EXAMPLE));
    expect(await d.nextReply()).toBe(UDP_CODEC8E_EXAMPLE.answer);
  });

  it('a failed publish sends nothing; the resent datagram is answered', async () => {
    const { l, publisher, d, lines } = await start();
    publisher.failNext();
    await d.send(l.port, bytes(UDP_CODEC8_EXAMPLE));
    await publisher.called(1);
    await sleep(100);
    expect(d.received).toHaveLength(0);
    expect(lines.find((x) => x.msg.startsWith('publish failed'))).toMatchObject({ deviceId: IMEI, count: 1 });
    await d.send(l.port, bytes(UDP_CODEC8_EXAMPLE));
    expect(await d.nextReply()).toBe(UDP_CODEC8_EXAMPLE.answer);
    expect(publisher.stored).toHaveLength(1);
    expect(l.stats.publishFailures).toBe(1);
  });

  it('a refused IMEI gets no answer and nothing is published', async () => {
    const { l, publisher, d } = await start({ admission: new FakeAdmission(new Set(['111111111111111'])) });
    await d.send(l.port, bytes(UDP_CODEC8_EXAMPLE));
    await eventually(() => l.stats.datagramsRefused === 1);
    await sleep(50);
    expect(d.received).toHaveLength(0);
    expect(publisher.batches).toHaveLength(0);
  });

  it('a flood of malformed datagrams is dropped, logged within a budget, and does not stop valid ones', async () => {
    const { l, d, lines } = await start();
    for (let i = 0; i < 200; i++) await d.send(l.port, Buffer.from([i, 0xff, 0x00, 0x13]));
    await d.send(l.port, bytes(UDP_CODEC8_EXAMPLE));
    expect(await d.nextReply()).toBe(UDP_CODEC8_EXAMPLE.answer);
    await eventually(() => l.stats.datagramsMalformed === 200);
    const logged = lines.filter((x) => x.msg === 'malformed datagram dropped');
    expect(logged.length).toBeGreaterThan(0);
    expect(logged.length).toBeLessThanOrEqual(10);
    expect(logged[0]).toMatchObject({ code: 'bad-length', remote: expect.stringMatching(/^127\.0\.0\.1:\d+$/) });
  });

  it('beyond maxInFlight, datagrams are dropped unanswered until the backlog clears', async () => {
    const { l, publisher, d } = await start({ limits: { maxInFlight: 1 } });
    publisher.hold();
    await d.send(l.port, bytes(UDP_CODEC8_EXAMPLE));
    await publisher.called(1);
    const second = encodeUdpDatagram(0x0102, 0x09, IMEI, encodeAvlData(CODEC_8, [sampleRecord()]));
    await d.send(l.port, second);
    await eventually(() => l.stats.datagramsDroppedOverload === 1);
    publisher.release();
    expect(await d.nextReply()).toBe(UDP_CODEC8_EXAMPLE.answer);
    await d.send(l.port, second);
    expect(await d.nextReply()).toBe('00050102010901');
  });

  it('close() waits for a datagram in flight to be answered', async () => {
    const { l, publisher, d } = await start();
    publisher.hold();
    await d.send(l.port, bytes(UDP_CODEC8_EXAMPLE));
    await publisher.called(1);
    const closing = l.close();
    await sleep(30);
    publisher.release();
    await closing;
    expect(await d.nextReply()).toBe(UDP_CODEC8_EXAMPLE.answer);
  });
});
