import { afterEach, describe, expect, it } from 'vitest';
import { tenantId, type DecodedRecord, type TelemetryRecord } from '../../engine/model/index.ts';
import type { ProtocolSession, SessionStep } from './protocol-session.ts';
import { startTcpListener, type TcpListener } from './tcp-listener.ts';
import { FakeAdmission, FakePublisher, TestDevice, captureLog, sleep } from './test-kit.ts';

/**
 * Bugs and bad luck stay inside one connection. A scripted session turns each
 * byte it receives into a chosen step, so the listener can be driven into
 * states a real protocol session should never produce.
 */

const RECORD: DecodedRecord = {
  deviceId: 'dev-1' as DecodedRecord['deviceId'],
  protocol: 'simulator',
  deviceTime: 1_700_000_000_000,
  position: { lat: 10, lon: 20, speedKmh: 5 },
};
const BAD_RECORD: DecodedRecord = { ...RECORD, deviceTime: 1_700_000_000_001, position: { lat: 300, lon: 20, speedKmh: 5 } };

/** 'I' identify, 'R' records (+ reply 'r'), 'B' records with one invalid (+ reply 'b'), 'N' records before any identify, 'X' throws. */
function scriptedSession(): ProtocolSession {
  let id: string | undefined;
  return {
    protocol: 'simulator',
    get deviceId() {
      return id;
    },
    push(chunk: Buffer): SessionStep[] {
      const steps: SessionStep[] = [];
      for (const c of chunk.toString('latin1')) {
        if (c === 'X') throw new Error('decoder bug');
        if (c === 'I') {
          id = 'dev-1';
          steps.push({ kind: 'identify', deviceId: id, accept: Buffer.from('a'), reject: Buffer.from('n') });
        }
        if (c === 'R' || c === 'N') steps.push({ kind: 'records', records: [RECORD], reply: Buffer.from('r'), skipped: [] });
        if (c === 'B') steps.push({ kind: 'records', records: [RECORD, BAD_RECORD], reply: Buffer.from('b'), skipped: [] });
      }
      return steps;
    },
  };
}

let listener: TcpListener | undefined;
const devices: TestDevice[] = [];

afterEach(async () => {
  for (const d of devices.splice(0)) d.destroy();
  await listener?.close();
  listener = undefined;
});

async function start(publish: (records: TelemetryRecord[]) => Promise<unknown> = new FakePublisher().publish) {
  const { log, lines } = captureLog();
  listener = await startTcpListener({
    host: '127.0.0.1',
    port: 0,
    protocol: 'simulator',
    tenant: tenantId('acme'),
    createSession: () => scriptedSession(),
    admission: new FakeAdmission(),
    publish,
    log,
  });
  return { l: listener, lines };
}

async function connect(l: TcpListener): Promise<TestDevice> {
  const d = await TestDevice.connect(l.port);
  devices.push(d);
  return d;
}

describe('faults stay inside one connection', () => {
  it('a session that throws closes only its connection', async () => {
    const { l, lines } = await start();
    const healthy = await connect(l);
    const broken = await connect(l);
    await broken.write(Buffer.from('IX'));
    await broken.waitClosed();
    expect(lines.find((x) => x.msg.startsWith('session.push threw'))).toMatchObject({ err: 'decoder bug', deviceId: 'dev-1' });
    await healthy.write(Buffer.from('IR'));
    expect((await healthy.read(2)).toString()).toBe('ar');
    expect(l.stats.connectionsClosed['internal-error']).toBe(1);
  });

  it('records before the device was admitted are never published', async () => {
    const publisher = new FakePublisher();
    const { l } = await start(publisher.publish);
    const d = await connect(l);
    await d.write(Buffer.from('N'));
    await d.waitClosed();
    expect(publisher.batches).toHaveLength(0);
    expect(l.stats.connectionsClosed['internal-error']).toBe(1);
  });

  it('a publish that throws synchronously is a failed publish, not a crash', async () => {
    const { l } = await start(() => {
      throw new Error('not connected');
    });
    const d = await connect(l);
    await d.write(Buffer.from('IR'));
    expect((await d.read(1)).toString()).toBe('a');
    await d.waitClosed();
    expect(d.pending().length).toBe(0);
    expect(l.stats.publishFailures).toBe(1);
  });

  it('a record failing validation is dropped and logged; the rest are published and the session reply is sent', async () => {
    const publisher = new FakePublisher();
    const { l, lines } = await start(publisher.publish);
    const d = await connect(l);
    await d.write(Buffer.from('IB'));
    expect((await d.read(2)).toString()).toBe('ab');
    expect(publisher.stored[0]).toHaveLength(1);
    expect(l.stats.recordsDropped).toBe(1);
    expect(lines.find((x) => x.msg.startsWith('record failed validation'))?.reason).toMatch(/position\.lat/);
  });

  it('steps queued behind a slow publish run in order once it resolves', async () => {
    const publisher = new FakePublisher();
    const { l } = await start(publisher.publish);
    const d = await connect(l);
    await d.write(Buffer.from('I'));
    await d.read(1);
    publisher.hold();
    await d.write(Buffer.from('RR'));
    await publisher.called(1);
    await d.write(Buffer.from('R'));
    await sleep(50);
    expect(publisher.batches).toHaveLength(1);
    expect(d.pending().length).toBe(0);
    publisher.release();
    expect((await d.read(3)).toString()).toBe('rrr');
    expect(publisher.stored).toHaveLength(3);
  });
});
