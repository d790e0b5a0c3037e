import http from 'node:http';
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createGt06Session } from '../../adapters/gt06/index.ts';
import { normalizeRecord } from '../../adapters/ingest/normalize.ts';
import { parseOsmandRequest } from '../../adapters/osmand/parse-request.ts';
import { createTeltonikaSession } from '../../adapters/teltonika/index.ts';
import { DEFAULT_SESSION_LIMITS, type ProtocolSession } from '../../adapters/tcp/protocol-session.ts';
import { DEFAULT_TENANT, type DecodedRecord } from '../../engine/model/index.ts';
import { until } from '../../engine/testing/until.ts';
import { storedExactlyOnce } from '../harness/store-audit.ts';
import { Gate, type ClientContext } from './client.ts';
import { DEFAULT_DEAD_ZONES, FleetModel } from './fleet.ts';
import { HttpPool } from './http-pool.ts';
import { OsmandClient } from './osmand-client.ts';
import { SimulatorRunner } from './runner.ts';
import { SimStats } from './stats.ts';

/**
 * The protocol clients against a stand-in platform built from the platform's
 * own protocol sessions: real sockets, real framing, answers only after the
 * records are "stored", and injected failures so store-and-forward has to
 * resend: every other failure loses what the device sent (a dropped link, a
 * 503), the others lose only the answer (stored, then the link drops), so the
 * device resends records the stand-in already has. At the end, what the
 * devices counted as acknowledged must be exactly what the stand-in stored:
 * no record lost, and no record resent in a form that changes its id.
 */

interface Stub {
  ports: { osmand: number; teltonika: number; gt06: number };
  stored: Map<string, { device: string; deviceTime: number; positioned: boolean }>;
  duplicates: number;
  faults: number;
  close(): Promise<void>;
}

async function startStub(faultEvery: number): Promise<Stub> {
  const stored = new Map<string, { device: string; deviceTime: number; positioned: boolean }>();
  const stub = { stored, duplicates: 0, faults: 0 } as Stub;
  let n = 0;
  /** Every faultEvery-th chunk or request fails; alternately before and after its records are stored. */
  const fault = (): 'none' | 'lose-records' | 'lose-answer' => {
    if (++n % faultEvery !== 0) return 'none';
    return ++stub.faults % 2 === 1 ? 'lose-records' : 'lose-answer';
  };
  const keep = (records: DecodedRecord[]) => {
    for (const d of records) {
      const r = normalizeRecord(DEFAULT_TENANT, d, Date.now());
      if (!r.ok) throw new Error(r.reason);
      if (stored.has(r.record.id)) stub.duplicates++;
      else stored.set(r.record.id, { device: d.deviceId, deviceTime: d.deviceTime, positioned: d.position !== undefined });
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
        // Now and then the link dies: before the chunk is read, or after its records are stored and before their answer.
        const f = protocol === 'gt06' && chunk[3] !== 0x22 ? 'none' : fault();
        if (f === 'lose-records') {
          socket.destroy();
          return;
        }
        for (const step of session.push(chunk)) {
          if (step.kind === 'identify') socket.write(step.accept!);
          else if (step.kind === 'records') {
            keep(step.records);
            if (step.reply && f === 'none') socket.write(step.reply);
          } else if (step.kind === 'reply') socket.write(step.reply);
          else if (step.kind === 'close') socket.destroy();
        }
        if (f === 'lose-answer') socket.destroy();
      });
    });
  const teltonika = tcp(() => createTeltonikaSession(DEFAULT_SESSION_LIMITS), 'teltonika');
  const gt06 = tcp(() => createGt06Session(DEFAULT_SESSION_LIMITS), 'gt06');
  const osmand = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      const f = fault();
      if (f === 'lose-records') {
        res.writeHead(503).end();
        return;
      }
      const parsed = parseOsmandRequest((req.url ?? '').split('?')[1] ?? '', req.headers['content-type'] ?? '', body, Date.now());
      if (!parsed.ok) {
        res.writeHead(400).end(parsed.reason);
        return;
      }
      keep(parsed.records);
      if (f === 'lose-answer') res.socket?.destroy();
      else res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
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
    const stub = await startStub(17);
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
    expect(stub.faults).toBeGreaterThan(6);
    expect(stub.duplicates, 'records resent after a lost answer').toBeGreaterThan(0);
    expect(c.resent).toBeGreaterThan(0);
    expect(c.ackedBuffered).toBeGreaterThan(100);
    expect(c.alarmsRaised).toBeGreaterThan(3);
    for (const p of ['osmand', 'teltonika', 'gt06'] as const) expect(c.ackedByProtocol[p], p).toBeGreaterThan(10);
    // Nothing lost, nothing counted twice. A GT06 heartbeat whose answer was lost is stored and never
    // counted: the tracker sends a new one, not the old one again (store-audit.ts).
    const ids = stub.stored.size;
    const idsWithoutPosition = [...stub.stored.values()].filter((s) => !s.positioned).length;
    expect(ids - idsWithoutPosition, 'records with a position').toBe(c.acked - c.heartbeats);
    expect(storedExactlyOnce({ rows: ids, ids, idsWithoutPosition }, c)).toBe(true);
    const totals = runner.stats.totals();
    expect(totals.deviceToAck.count).toBeGreaterThan(100);
    expect(totals.criticalToAck.count).toBeGreaterThan(0);
  }, 60_000);

  it('an OsmAnd device resends a record in the form it first sent it, so a lost answer costs no second record', async () => {
    // The query form and the JSON form carry different fields: the same fix in the other form is other
    // content, another record id, and stored twice when the first answer was lost after it was stored.
    const ids: string[][] = [];
    let requests = 0;
    const server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        const parsed = parseOsmandRequest((req.url ?? '').split('?')[1] ?? '', req.headers['content-type'] ?? '', body, Date.now());
        if (!parsed.ok) return void res.writeHead(400).end(parsed.reason);
        ids.push(parsed.records.map((d) => {
          const r = normalizeRecord(DEFAULT_TENANT, d, Date.now());
          if (!r.ok) throw new Error(r.reason);
          return r.record.id;
        }));
        // The first request is stored and its answer lost.
        if (++requests === 1) return void res.socket?.destroy();
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    const port = await new Promise<number>((r) => server.listen(0, '127.0.0.1', () => r((server.address() as net.AddressInfo).port)));
    cleanup.push(async () => {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    });
    const t0 = Date.now();
    const fleet = new FleetModel({
      devices: 1, seed: 5, mix: { osmand: 1, teltonika: 0, gt06: 0 }, rateScale: 1, idOffset: 0, startMs: t0, alarmsPerMin: 0,
      deadZones: { ...DEFAULT_DEAD_ZONES, initialShare: 0, perDeviceHour: 0 },
    });
    const device = fleet.devices[0]!;
    const stats = new SimStats();
    const ctx: ClientContext = { opts: { host: '127.0.0.1', ackTimeoutMs: 3000, replayBatch: 20, spreadSources: false }, stats, connectGate: new Gate(1), draining: false, stopped: false };
    const pool = new HttpPool('127.0.0.1', port, 1);
    const client = new OsmandClient(device, ctx, pool);
    cleanup.push(async () => {
      ctx.stopped = true;
      client.close();
    });
    let s = 0;
    while (device.queued === 0) fleet.stepGroup(0, 1, t0 + 1000 * s++);
    expect(device.queued).toBe(1);
    client.kick(); // alone: the query form
    await until(() => requests === 1 && client.idle, 10_000, 20);
    // Records recorded while it waits to retry: the next request is a batch, unless the first goes alone again.
    while (device.queued < 4) fleet.stepGroup(0, 1, t0 + 1000 * s++);
    client.kick();
    await until(() => !device.pending && client.idle, 20_000, 20);
    expect(stats.counters.acked).toBe(4);
    expect(new Set(ids.flat()).size, 'records stored').toBe(4);
    expect(ids[1]).toEqual(ids[0]); // the lost one again, alone, as it was
  }, 30_000);
});

