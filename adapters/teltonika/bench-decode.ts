/**
 * Decode throughput on one core.
 *
 *   npx tsx adapters/teltonika/bench-decode.ts [seconds=3]
 *
 * Feeds packets shaped like a typical FMB130 upload (Codec 8E, 10 records of
 * ~16 IO elements each: ignition, movement, voltages, odometer, HDOP/PDOP,
 * GSM, a Dallas probe, ICCID…) through a TCP session, one packet per push,
 * and reports records/s and MB/s. Also measures the Codec 8 wiki example.
 */
import { performance } from 'node:perf_hooks';
import { DEFAULT_SESSION_LIMITS } from '../tcp/protocol-session.ts';
import { createTeltonikaSession } from './session.ts';
import { CODEC_8E, encodeAvlData, encodeImei, encodeTcpPacket, sampleRecord, type FixedIo } from './test-encoder.ts';
import { CODEC8_EXAMPLE_1, bytes } from './vectors.ts';

const seconds = Number(process.argv[2] ?? 3);

const io = (id: number, width: FixedIo['width'], value: number | bigint): FixedIo => ({ id, width, value: BigInt(value) });
const typicalIo: FixedIo[] = [
  io(239, 1, 1), io(240, 1, 1), io(80, 1, 1), io(21, 1, 4), io(200, 1, 0), io(69, 1, 1), io(1, 1, 0),
  io(181, 2, 12), io(182, 2, 8), io(66, 2, 13_850), io(67, 2, 4_080), io(24, 2, 54), io(72, 4, 215),
  io(16, 4, 123_456_789), io(199, 4, 4_321), io(11, 8, 893_700_218n),
];
const typical = encodeTcpPacket(
  encodeAvlData(
    CODEC_8E,
    Array.from({ length: 10 }, (_, i) => sampleRecord({ timestampMs: 1_700_000_000_000n + BigInt(i * 10_000), io: typicalIo })),
  ),
);

function measure(name: string, packet: Buffer, recordsPerPacket: number): void {
  const session = createTeltonikaSession(DEFAULT_SESSION_LIMITS);
  session.push(encodeImei('356307042441013'));
  // Warm up the JIT, then time whole batches until the budget is spent.
  for (let i = 0; i < 20_000; i++) session.push(packet);
  let packets = 0;
  const t0 = performance.now();
  let elapsed = 0;
  while (elapsed < seconds * 1000) {
    for (let i = 0; i < 5_000; i++) {
      const steps = session.push(packet);
      if (steps[0]?.kind !== 'records') throw new Error('benchmark packet did not decode');
    }
    packets += 5_000;
    elapsed = performance.now() - t0;
  }
  const perSecond = (packets * recordsPerPacket) / (elapsed / 1000);
  const mbPerSecond = (packets * packet.length) / (elapsed / 1000) / 1024 / 1024;
  console.log(
    `${name}: ${Math.round(perSecond).toLocaleString('en')} records/s, ${mbPerSecond.toFixed(1)} MB/s (${packet.length}-byte packets, ${recordsPerPacket} records each)`,
  );
}

measure('Codec 8E, typical FMB upload', typical, 10);
measure('Codec 8 wiki example 1', bytes(CODEC8_EXAMPLE_1), 1);
