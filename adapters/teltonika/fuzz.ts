/**
 * Fuzzer for the Teltonika session and UDP decoder.
 *
 *   npx tsx adapters/teltonika/fuzz.ts [count=1000000] [seed]
 *
 * Each iteration feeds one generated frame (random bytes, truncated,
 * bit-flipped or wrong-CRC valid frames, huge length fields, valid packets
 * glued and cut at random points, damaged UDP datagrams) through a fresh
 * session after the IMEI handshake and through the UDP decoder. It fails
 * (exit 1) on any exception, any "internal error" close, any wrong record
 * count on valid streams, or heap still grown by more than 32 MB after a
 * final GC.
 */
import { performance } from 'node:perf_hooks';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { DEFAULT_SESSION_LIMITS, type SessionStep } from '../tcp/protocol-session.ts';
import { CODEC_16, CODEC_8, CODEC_8E, type AvlCodec } from './avl-parser.ts';
import { createTeltonikaSession } from './session.ts';
import { decodeTeltonikaDatagram } from './udp.ts';
import { encodeAvlData, encodeImei, encodeTcpPacket, encodeUdpDatagram, type AvlRecordSpec, type FixedIo } from './test-encoder.ts';
import { TCP_VECTORS, bytes } from './vectors.ts';

const count = Number(process.argv[2] ?? 1_000_000);
const seed = Number(process.argv[3] ?? 0x7e170);
const LIMITS = DEFAULT_SESSION_LIMITS;
const IMEI = '356307042441013';
const HANDSHAKE = encodeImei(IMEI);
const MAX_RETAINED_GROWTH = 32 * 1024 * 1024;

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** mulberry32: small, seeded, good enough to pick mutations reproducibly. */
function prng(s: number): () => number {
  let a = s >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const rand = prng(seed);
const int = (n: number): number => Math.floor(rand() * n);
const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)]!;

function randomBytes(n: number): Buffer {
  const b = Buffer.allocUnsafe(n);
  for (let i = 0; i < n; i++) b[i] = int(256);
  return b;
}

/** Ids the decoder maps, mixed with ids it does not, so both paths run. */
const IO_IDS = [1, 9, 11, 12, 13, 16, 21, 30, 31, 32, 36, 66, 67, 72, 73, 74, 75, 78, 181, 182, 199, 239, 240, 241, 247, 249, 252, 253, 3, 200];

function randomRecord(codec: AvlCodec): AvlRecordSpec {
  const io: FixedIo[] = [];
  const used = new Set<number>();
  for (let k = int(10); k > 0; k--) {
    const id = pick(IO_IDS);
    if (used.has(id)) continue;
    used.add(id);
    io.push({ id, width: pick([1, 2, 4, 8] as const), value: BigInt(int(2 ** 31)) * BigInt(int(2 ** 31)) });
  }
  const wild = int(20) === 0; // now and then an impossible value, to exercise skipping
  return {
    timestampMs: BigInt(1_500_000_000_000 + int(2 ** 40)),
    priority: int(3),
    lonE7: int(3_600_000_001) - 1_800_000_000,
    latE7: wild ? 950_000_000 : int(1_800_000_001) - 900_000_000,
    altitudeM: int(4000) - 100,
    angleDeg: int(361),
    satellites: int(20),
    speedKmh: int(200),
    eventIoId: pick([0, 239, 240, 247, 253]),
    generationType: int(8),
    io,
    nx: codec === CODEC_8E && int(3) === 0 ? [{ id: pick([281, 385, 256]), bytes: Buffer.from(pick(['P0100,P0300', 'WVWZZZ1JZXW000001', '\u0001\u00ff'])) }] : [],
  };
}

interface Valid {
  tcp: Buffer;
  udp: Buffer;
  records: number;
}

function buildPool(n: number): Valid[] {
  const pool: Valid[] = TCP_VECTORS.map((v) => {
    const tcp = bytes(v);
    return { tcp, udp: encodeUdpDatagram(1, 1, IMEI, tcp.subarray(8, tcp.length - 4)), records: tcp[9]! };
  });
  while (pool.length < n) {
    const codec = pick([CODEC_8, CODEC_8E, CODEC_16] as const);
    const specs = Array.from({ length: 1 + int(5) }, () => randomRecord(codec));
    const data = encodeAvlData(codec, specs);
    pool.push({ tcp: encodeTcpPacket(data), udp: encodeUdpDatagram(int(65536), int(256), IMEI, data), records: specs.length });
  }
  return pool;
}

function chunkRandomly(buf: Buffer): Buffer[] {
  const parts: Buffer[] = [];
  let from = 0;
  while (from < buf.length) {
    const n = 1 + int(Math.min(buf.length - from, int(2) === 0 ? 8 : 400));
    parts.push(buf.subarray(from, from + n));
    from += n;
  }
  return parts;
}

function flipBits(buf: Buffer, flips: number): Buffer {
  const out = Buffer.from(buf);
  for (let i = 0; i < flips; i++) out[int(out.length)]! ^= 1 << int(8);
  return out;
}

type Kind = 'random' | 'truncated' | 'bitflip' | 'badcrc' | 'hugelength' | 'glued' | 'udp' | 'recrc';
const KINDS: readonly Kind[] = ['random', 'truncated', 'bitflip', 'badcrc', 'hugelength', 'glued', 'udp', 'recrc', 'recrc'];

/**
 * Damages an AVL data field in one of several ways. The caller re-frames it
 * with a correct length and CRC, so the AVL parser itself meets the damage
 * (a flipped bit behind a stale CRC never gets past the CRC check).
 */
function mutateData(data: Buffer): Buffer {
  switch (int(5)) {
    case 0:
      return flipBits(data, 1 + int(4));
    case 1: {
      const at = int(data.length);
      return Buffer.concat([data.subarray(0, at), data.subarray(Math.min(data.length, at + 1 + int(16)))]);
    }
    case 2: {
      const at = int(data.length);
      return Buffer.concat([data.subarray(0, at), randomBytes(1 + int(16)), data.subarray(at)]);
    }
    case 3: {
      // A count or length byte set to something large.
      const out = Buffer.from(data);
      out[int(out.length)] = pick([0x7f, 0x80, 0xff]);
      return out;
    }
    default:
      return randomBytes(int(200));
  }
}

interface Stats {
  exceptions: number;
  internalErrors: number;
  wrongResults: number;
  records: number;
  steps: Record<string, number>;
}

const stats: Stats = { exceptions: 0, internalErrors: 0, wrongResults: 0, records: 0, steps: {} };

function account(steps: readonly SessionStep[]): number {
  let replied = 0;
  for (const s of steps) {
    const key = s.kind === 'ignored' || s.kind === 'close' ? `${s.kind}:${s.error.code}` : s.kind;
    stats.steps[key] = (stats.steps[key] ?? 0) + 1;
    if (s.kind === 'close' && s.error.message.startsWith('internal error')) stats.internalErrors++;
    if (s.kind === 'records') {
      stats.records += s.records.length;
      replied += s.reply?.readUInt32BE(0) ?? 0;
    }
  }
  return replied;
}

function feed(frame: Buffer): number {
  const session = createTeltonikaSession(LIMITS);
  let replied = account(session.push(HANDSHAKE));
  for (const chunk of chunkRandomly(frame)) replied += account(session.push(chunk));
  return replied;
}

function iteration(pool: readonly Valid[]): void {
  const kind = pick(KINDS);
  const valid = pick(pool);
  switch (kind) {
    case 'random': {
      const junk = randomBytes(int(300));
      // Half the time behind a plausible header, so the body paths run too.
      if (junk.length >= 8 && int(2) === 0) {
        junk.writeUInt32BE(0, 0);
        junk.writeUInt32BE(Math.max(0, junk.length - 12), 4);
      }
      feed(junk);
      const session = createTeltonikaSession(LIMITS);
      account(session.push(junk));
      decodeTeltonikaDatagram(junk, LIMITS);
      return;
    }
    case 'truncated':
      feed(valid.tcp.subarray(0, int(valid.tcp.length)));
      decodeTeltonikaDatagram(valid.udp.subarray(0, int(valid.udp.length)), LIMITS);
      return;
    case 'bitflip':
      feed(flipBits(valid.tcp, 1 + int(3)));
      return;
    case 'badcrc': {
      const bad = Buffer.from(valid.tcp);
      bad.writeUInt16BE((bad.readUInt16BE(bad.length - 2) + 1 + int(0xfffe)) & 0xffff, bad.length - 2);
      if (feed(bad) !== 0) stats.wrongResults++;
      return;
    }
    case 'hugelength': {
      const header = Buffer.alloc(8 + int(64));
      header.writeUInt32BE(LIMITS.maxFrameBytes + int(0xffffffff - LIMITS.maxFrameBytes), 4);
      feed(header);
      return;
    }
    case 'glued': {
      const packets = Array.from({ length: 1 + int(4) }, () => pick(pool));
      const replied = feed(Buffer.concat(packets.map((p) => p.tcp)));
      if (replied !== packets.reduce((n, p) => n + p.records, 0)) stats.wrongResults++;
      return;
    }
    case 'recrc': {
      const data = mutateData(valid.tcp.subarray(8, valid.tcp.length - 4));
      feed(encodeTcpPacket(data));
      const result = decodeTeltonikaDatagram(encodeUdpDatagram(1, 1, IMEI, data), LIMITS);
      if (result.ok) stats.records += result.records.length;
      return;
    }
    case 'udp': {
      const result = decodeTeltonikaDatagram(int(2) === 0 ? valid.udp : flipBits(valid.udp, 1 + int(3)), LIMITS);
      if (result.ok) stats.records += result.records.length;
      return;
    }
  }
}

function main(): void {
  const pool = buildPool(512);
  for (let i = 0; i < 20_000; i++) iteration(pool); // warm up the JIT before measuring
  gc();
  const heapBase = process.memoryUsage().heapUsed;
  let heapMax = heapBase;
  stats.steps = {};
  stats.records = 0;

  const t0 = performance.now();
  for (let i = 0; i < count; i++) {
    try {
      iteration(pool);
    } catch (err) {
      stats.exceptions++;
      if (stats.exceptions <= 5) console.error(`exception at iteration ${i}:`, err);
    }
    if ((i & 0x3fff) === 0) heapMax = Math.max(heapMax, process.memoryUsage().heapUsed);
  }
  const seconds = (performance.now() - t0) / 1000;
  gc();
  const heapAfter = process.memoryUsage().heapUsed;
  const mb = (n: number): string => (n / 1024 / 1024).toFixed(1);

  console.log(`teltonika fuzz: seed ${seed}`);
  console.log(`frames:            ${count.toLocaleString('en')}`);
  console.log(`time:              ${seconds.toFixed(1)} s`);
  console.log(`frames/s:          ${Math.round(count / seconds).toLocaleString('en')}`);
  console.log(`records decoded:   ${stats.records.toLocaleString('en')}`);
  console.log(`exceptions:        ${stats.exceptions}`);
  console.log(`internal errors:   ${stats.internalErrors}`);
  console.log(`wrong results:     ${stats.wrongResults}`);
  console.log(`heap base:         ${mb(heapBase)} MB`);
  console.log(`heap max growth:   ${mb(heapMax - heapBase)} MB (sampled during the run)`);
  console.log(`heap after GC:     ${mb(heapAfter - heapBase)} MB growth`);
  console.log(`max RSS:           ${mb(process.resourceUsage().maxRSS * 1024)} MB`);
  console.log('steps:', JSON.stringify(Object.fromEntries(Object.entries(stats.steps).sort())));

  const failed =
    stats.exceptions > 0 || stats.internalErrors > 0 || stats.wrongResults > 0 || heapAfter - heapBase > MAX_RETAINED_GROWTH;
  if (failed) {
    console.error('FAIL');
    process.exit(1);
  }
  console.log('OK');
}

main();
