/**
 * Decode throughput on one core: `npx tsx adapters/gt06/bench-decode.ts [frames]`.
 * Streams: 'location' alternates 0x12/0x22; 'mixed' is 80% locations, 10%
 * heartbeats, 10% SOS alarms. Pre-encodes the stream (after one login) and pushes it through a single
 * session in 16 KiB chunks, the way socket reads arrive; reports records/s.
 */
import { createGt06Session } from './session.ts';
import { encodeAlarm, encodeHeartbeat, encodeLocation, encodeLogin, type LocationSpec } from './test-encoder.ts';

const n = Number(process.argv[2] ?? 500_000);
const CHUNK = 16 * 1024;

function loc(i: number): LocationSpec {
  return {
    time: { year: 2024, month: 1 + (i % 12), day: 1 + (i % 28), hour: i % 24, minute: i % 60, second: (i * 7) % 60 },
    gps: { satellites: i % 16, latRaw: (i * 7919) % 162_000_000, lonRaw: (i * 104729) % 324_000_000, north: (i & 1) === 0, east: (i & 2) === 0, speedKmh: i % 200, course: i % 360, positioned: true, differential: false },
    cell: { mcc: 262, mnc: 1, lac: i & 0xffff, cellId: i & 0xffffff },
    acc: (i & 4) !== 0,
    uploadMode: 0,
    reupload: false,
  };
}

function stream(kind: 'location' | 'mixed'): Buffer {
  const parts: Buffer[] = [encodeLogin('358899051234567', 0)];
  for (let i = 0; i < n; i++) {
    const serial = i & 0xffff;
    if (kind === 'location' || i % 10 < 8) parts.push(encodeLocation(i % 2 ? 0x22 : 0x12, loc(i), serial));
    else if (i % 10 === 8) parts.push(encodeHeartbeat({ terminalInfo: 0x46, voltageLevel: 5, gsmSignal: 4, alarmCode: 0, language: 2 }, serial));
    else parts.push(encodeAlarm(0x16, loc(i), { terminalInfo: 0x60, voltageLevel: 5, gsmSignal: 4, alarmCode: 1, language: 2 }, serial));
  }
  return Buffer.concat(parts);
}

function run(label: string, data: Buffer): void {
  let best = 0;
  for (let rep = 0; rep < 3; rep++) {
    const s = createGt06Session({ maxFrameBytes: 4096, maxRecordsPerPacket: 255 });
    let records = 0;
    const t0 = process.hrtime.bigint();
    for (let off = 0; off < data.length; off += CHUNK) {
      for (const step of s.push(data.subarray(off, off + CHUNK))) if (step.kind === 'records') records += step.records.length;
    }
    const sec = Number(process.hrtime.bigint() - t0) / 1e9;
    if (records !== n) throw new Error(`decoded ${records} of ${n}`);
    best = Math.max(best, records / sec);
  }
  console.log(`${label.padEnd(14)} ${n.toLocaleString('en-US')} records, ${(data.length / 1e6).toFixed(1)} MB: best of 3 = ${Math.round(best).toLocaleString('en-US')} records/s (${((best * data.length) / n / 1e6).toFixed(1)} MB/s)`);
}

run('location', stream('location'));
run('mixed', stream('mixed'));
