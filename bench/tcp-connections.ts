import net from 'node:net';
import { parseArgs } from 'node:util';
import { jetstream } from '@nats-io/jetstream';
import { CODEC_8E, encodeAvlData, encodeImei, encodeTcpPacket, sampleRecord } from '../adapters/teltonika/test-encoder.ts';
import { DEFAULT_TENANT, pack, partitionOf, type DeviceId, type TelemetryRecord } from '../engine/model/index.ts';
import { connectNats } from '../engine/nats/connect.ts';
import { inSubject } from '../engine/nats/subjects.ts';
import { startPlatformProcess } from '../engine/testing/platform-process.ts';

/**
 * `npx tsx bench/tcp-connections.ts [--connections 10000] [--records 5]`
 *
 * The full TCP path (device socket → decode → JetStream ack → device ACK) with
 * N simultaneous Teltonika connections, each sending one Codec 8E packet of
 * `records` records at the same moment; beside it, in the same run, the
 * baseline: the same number of records published straight to JetStream.
 */

const { values } = parseArgs({ options: { connections: { type: 'string', default: '10000' }, records: { type: 'string', default: '5' } } });
const N = Number(values.connections);
const R = Number(values.records);
const pct = (xs: number[], q: number) => xs[Math.min(xs.length - 1, Math.floor(q * xs.length))]!;

// Every simulated device connects from 127.0.0.1: lift the per-address cap for the run.
const p = await startPlatformProcess({ FLEET_LOG_LEVEL: 'error', FLEET_PARTITIONS: '64', FLEET_TCP_MAX_PER_ADDRESS: String(N + 100) });
const sockets: net.Socket[] = [];
try {
  // Connect and hand-shake every device, 500 at a time.
  const tConnect = Date.now();
  const inbox = new Map<net.Socket, Buffer>();
  const waiters = new Map<net.Socket, () => void>();
  for (let i = 0; i < N; i += 500) {
    await Promise.all(
      Array.from({ length: Math.min(500, N - i) }, (_, k) => {
        const imei = String(350000000000000 + i + k);
        return new Promise<void>((resolve, reject) => {
          const s = net.connect({ host: '127.0.0.1', port: p.ports.teltonika });
          s.setNoDelay(true);
          sockets.push(s);
          inbox.set(s, Buffer.alloc(0));
          s.on('data', (d) => {
            inbox.set(s, Buffer.concat([inbox.get(s)!, d]));
            waiters.get(s)?.();
          });
          s.on('error', reject);
          s.once('connect', () => s.write(encodeImei(imei)));
          waiters.set(s, () => {
            if (inbox.get(s)!.length >= 1) {
              inbox.set(s, inbox.get(s)!.subarray(1));
              waiters.delete(s);
              resolve();
            }
          });
        });
      }),
    );
  }
  const connectS = (Date.now() - tConnect) / 1000;

  // Every device sends one packet at once; latency = send → 4-byte ACK.
  const latencies: number[] = [];
  let unanswered = 0;
  const t0 = Date.now();
  await Promise.all(
    sockets.map(
      (s, i) =>
        new Promise<void>((resolve) => {
          const sent = performance.now();
          // A device that gets no ACK within 60 s (or loses its connection) counts as unanswered.
          const give = () => {
            if (!waiters.has(s)) return;
            waiters.delete(s);
            unanswered++;
            resolve();
          };
          setTimeout(give, 60_000).unref();
          s.once('close', give);
          waiters.set(s, () => {
            if (inbox.get(s)!.length >= 4) {
              latencies.push(performance.now() - sent);
              waiters.delete(s);
              resolve();
            }
          });
          const recs = Array.from({ length: R }, (_, k) => sampleRecord({ timestampMs: BigInt(Date.now() - (R - k) * 1000 - i), latE7: 520000000 + i, lonE7: 43000000 + k, speedKmh: 50, satellites: 9 }));
          s.write(encodeTcpPacket(encodeAvlData(CODEC_8E, recs)));
        }),
    ),
  );
  const pathS = (Date.now() - t0) / 1000;
  latencies.sort((a, b) => a - b);

  // Baseline, same run: the same number of records published straight to JetStream.
  const nc = await connectNats(`nats://127.0.0.1:${p.ports.nats}`, 'bench-baseline');
  const js = jetstream(nc);
  const total = N * R;
  const tb = Date.now();
  const inFlight: Promise<unknown>[] = [];
  for (let i = 0; i < total; i++) {
    const id = `base-${i % N}` as DeviceId;
    const r: TelemetryRecord = { id: `baseline-${i}`, tenantId: DEFAULT_TENANT, deviceId: id, protocol: 'simulator', deviceTime: 1_764_000_000_000 + i, receivedAt: Date.now(), priority: 'normal', position: { lat: 52, lon: 4, speedKmh: 50 } };
    inFlight.push(js.publish(inSubject(partitionOf(DEFAULT_TENANT, id, 64), DEFAULT_TENANT, id), pack(r), { msgID: r.id }));
    if (inFlight.length >= 2000) await Promise.all(inFlight.splice(0));
  }
  await Promise.all(inFlight);
  const baseS = (Date.now() - tb) / 1000;
  await nc.drain();

  const result = {
    connections: N,
    recordsPerPacket: R,
    connectAndHandshakeS: connectS,
    tcpPath: {
      unansweredDevices: unanswered,
      recordsAcked: (N - unanswered) * R,
      seconds: pathS,
      recordsPerS: Math.round(((N - unanswered) * R) / pathS), ackLatencyMs: { p50: pct(latencies, 0.5), p99: pct(latencies, 0.99), max: latencies.at(-1) } },
    baselineJetStream: { records: total, seconds: baseS, recordsPerS: Math.round(total / baseS) },
    ratio: Math.round((((N - unanswered) * R) / pathS / (total / baseS)) * 100) / 100,
    platformRssBytes: p.rssBytes(),
  };
  console.log(JSON.stringify(result, null, 2));
} finally {
  for (const s of sockets) s.destroy();
  await p.cleanup();
}
