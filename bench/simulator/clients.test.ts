import http from 'node:http';
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createGt06Session } from '../../adapters/gt06/index.ts';
import { normalizeRecord } from '../../adapters/ingest/normalize.ts';
import { parseOsmandRequest } from '../../adapters/osmand/parse-request.ts';
import { createTeltonikaSession } from '../../adapters/teltonika/index.ts';
import { DEFAULT_SESSION_LIMITS, type ProtocolSession } from '../../adapters/tcp/protocol-session.ts';
import { DEFAULT_TENANT, type DecodedRecord } from '../../engine/model/index.ts';
import { DEFAULT_DEAD_ZONES } from './fleet.ts';
import { SimulatorRunner } from './runner.ts';

/**
 * The protocol clients against a stand-in platform built from the platform's
 * own protocol sessions: real sockets, real framing, answers only after the
 * records are "stored", and injected failures (dropped connections, 503s) so
 * store-and-forward has to resend. At the end, what the devices counted as
 * acknowledged must be exactly what the stand-in stored, with no record lost.
 */

interface Stub {
  ports: { osmand: number; teltonika: number; gt06: number };
  stored: Map<string, { device: string; deviceTime: number }>;
  duplicates: number;
  faults: number;
  close(): Promise<void>;
}

async function startStub(faultEvery: number): Promise<Stub> {
  const stored = new Map<string, { device: string; deviceTime: number }>();
  const stub = { stored, duplicates: 0, faults: 0 } as Stub;
  let n = 0;
  const keep = (records: DecodedRecord[]) => {
    for (const d of records) {
      const r = normalizeRecord(DEFAULT_TENANT, d, Date.now());
      if (!r.ok) throw new Error(r.reason);
      if (stored.has(r.record.id)) stub.duplicates++;
      else stored.set(r.record.id, { device: d.deviceId, deviceTime: d.deviceTime });
    }
  };
  const sockets = new Set<net.Socket>();
  const tcp = (make: () => ProtocolSession, protocol: 'teltonika' | 'gt06') =>
    net.createServer((socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => undefined);
      const session = make();
      socket.on('data', (chunk: Buffer) => {
        // Now and then the link dies before the chunk is read: nothing of it is stored or answered.
        if (protocol === 'gt06' ? chunk[3] === 0x22 && ++n % faultEvery === 0 : ++n % faultEvery === 0) {
          stub.faults++;
          socket.destroy();
          return;
        }
        for (const step of session.push(chunk)) {
          if (step.kind === 'identify') socket.write(step.accept!);
          else if (step.kind === 'records') {
            keep(step.records);
            if (step.reply) socket.write(step.reply);
          } else if (step.kind === 'reply') socket.write(step.reply);
          else if (step.kind === 'close') socket.destroy();
        }
      });
    });
  const teltonika = tcp(() => createTeltonikaSession(DEFAULT_SESSION_LIMITS), 'teltonika');
  const gt06 = tcp(() => createGt06Session(DEFAULT_SESSION_LIMITS), 'gt06');
  const osmand = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      if (++n % faultEvery === 0) {
        stub.faults++;
        res.writeHead(503).end();
        return;
      }
      const parsed = parseOsmandRequest((req.url ?? '').split('?')[1] ?? '', req.headers['content-type'] ?? '', body, Date.now());
      if (!parsed.ok) {
        res.writeHead(400).end(parsed.reason);
        return;
      }
      keep(parsed.records);
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  const listen = (s: net.Server) => new Promise<number>((r) => s.listen(0, '127.0.0.1', () => r((s.address() as net.AddressInfo).port)));
  stub.ports = { osmand: await listen(osmand), teltonika: await listen(teltonika), gt06: await listen(gt06) };
  stub.close = async () => {
    for (const s of sockets) s.destroy();
    osmand.closeAllConnections();
    await Promise.all([teltonika, gt06, osmand].map((s) => new Promise((r) => s.close(r))));
  };
  return stub;
}

let cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup.reverse()) await c();
  cleanup = [];
});

describe('protocol clients over real sockets', () => {
  it('deliver every record exactly once through failures, dead zones and replays', async () => {
    const stub = await startStub(37);
    cleanup.push(() => stub.close());
    const runner = new SimulatorRunner({
      fleet: {
        devices: 60,
        seed: 3,
        mix: { osmand: 0.4, teltonika: 0.4, gt06: 0.2 },
        rateScale: 20,
        idOffset: 0,
        startMs: Date.now(),
        deadZones: { ...DEFAULT_DEAD_ZONES, initialShare: 0.2, initialMaxS: 3, backlogMinS: 60, backlogMaxS: 300, perDeviceHour: 300, minS: 1, maxS: 3 },
        alarmsPerMin: 120,
      },
      client: { host: '127.0.0.1', ackTimeoutMs: 3000, replayBatch: 20, spreadSources: true },
      ports: stub.ports,
      maxConnecting: 16,
      osmandSockets: 8,
      heartbeatEveryS: 20,
      log: () => undefined,
    });
    cleanup.push(() => runner.stop());
    await runner.start();
    await new Promise((r) => setTimeout(r, 5000));
    expect(await runner.drain(30_000)).toBe(true);
    const c = runner.stats.counters;
    expect(stub.faults).toBeGreaterThan(3);
    expect(c.resent).toBeGreaterThan(0);
    expect(c.ackedBuffered).toBeGreaterThan(100);
    expect(c.alarmsRaised).toBeGreaterThan(3);
    for (const p of ['osmand', 'teltonika', 'gt06'] as const) expect(c.ackedByProtocol[p], p).toBeGreaterThan(10);
    // nothing lost, nothing counted twice
    expect(c.acked).toBe(stub.stored.size);
    const totals = runner.stats.totals();
    expect(totals.deviceToAck.count).toBeGreaterThan(100);
    expect(totals.criticalToAck.count).toBeGreaterThan(0);
  }, 60_000);
});
