/**
 * Fuzzes the GT06 session: `npx tsx adapters/gt06/fuzz.ts [count=1000000] [seed]`.
 *
 * Each case is fed, arbitrarily chunked, to a fresh session (logged in for most
 * cases so the decoders are reached): random bytes, truncated frames,
 * bit-flipped frames, wrong CRCs, huge length fields, glued sequences, and
 * frames with a *correct* CRC around random content (the only way random data
 * reaches the message decoders). It asserts that push never throws, that the
 * session's safety net never fires (a decoder fault would be a bug even when
 * caught) and that every record is a valid TelemetryRecord once the ingest
 * fields are added. Exits 1 on any failure.
 */
import { TelemetryRecordSchema } from '../../engine/model/index.ts';
import type { SessionStep } from '../tcp/protocol-session.ts';
import { createGt06Session } from './session.ts';
import {
  encodeAlarm,
  encodeFrame,
  encodeHeartbeat,
  encodeInformation,
  encodeLbs,
  encodeLocation,
  encodeLogin,
  type CellSpec,
  type DateTimeSpec,
  type GpsSpec,
  type StatusSpec,
} from './test-encoder.ts';
import * as V from './vectors.ts';

const count = Number(process.argv[2] ?? 1_000_000);
const seed = Number(process.argv[3] ?? 0x6706) >>> 0;
const CAP = 4096;
const NOW = Date.UTC(2024, 0, 1);

// mulberry32: small, fast, seedable, so a failing case can be replayed.
let state = seed;
function rnd(): number {
  state = (state + 0x6d2b79f5) >>> 0;
  let t = state;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const int = (lo: number, hi: number): number => lo + Math.floor(rnd() * (hi - lo + 1));
const pick = <T>(xs: readonly T[]): T => xs[int(0, xs.length - 1)] as T;
const bool = (): boolean => rnd() < 0.5;
function randomBytes(n: number): Buffer {
  const b = Buffer.allocUnsafe(n);
  for (let i = 0; i < n; i++) b[i] = int(0, 255);
  return b;
}

const DOC_FRAMES = [
  V.LOCATION_12, V.LOCATION_22, V.HEARTBEAT, V.HEARTBEAT_GT800, V.HEARTBEAT_EXTERNAL_POWER, V.ALARM_16, V.ALARM_26,
  V.ALARM_26_NO_ALARM_CODE, V.ALARM_27, V.LBS_ALARM_19, V.TIME_REQUEST, V.INFO_94_STATUS_SYNC, V.INFO_94_FUEL, V.LOGIN,
].map(V.bytes);
const KNOWN_PROTOCOLS = [0x01, 0x10, 0x11, 0x12, 0x13, 0x16, 0x19, 0x22, 0x23, 0x26, 0x27, 0x8a, 0x94, 0xa0];

// Mostly valid values, sometimes out of range, so both record and skip paths run.
const time = (): DateTimeSpec => ({
  year: int(2000, 2099), month: rnd() < 0.95 ? int(1, 12) : int(0, 255), day: int(0, 32),
  hour: int(0, 24), minute: int(0, 60), second: int(0, 60),
});
const gps = (): GpsSpec => ({
  satellites: int(0, 15), latRaw: rnd() < 0.95 ? int(0, 162_000_000) : int(0, 0xffffffff),
  lonRaw: rnd() < 0.95 ? int(0, 324_000_000) : int(0, 0xffffffff), north: bool(), east: bool(), speedKmh: int(0, 255),
  course: rnd() < 0.95 ? int(0, 360) : int(0, 1023), positioned: bool(), differential: bool(),
});
const cell = (): CellSpec => ({ mcc: int(0, 0xffff), mnc: int(0, 255), lac: int(0, 0xffff), cellId: int(0, 0xffffff), twoByteMnc: rnd() < 0.1 });
const status = (): StatusSpec => ({ terminalInfo: int(0, 255), voltageLevel: int(0, 7), gsmSignal: int(0, 5), alarmCode: int(0, 255), language: int(0, 3) });

function validFrame(): Buffer {
  const serial = int(0, 0xffff);
  switch (int(0, 9)) {
    case 0: return encodeLocation(0x12, { time: time(), gps: gps(), cell: cell() }, serial);
    case 1: return encodeLocation(0x22, { time: time(), gps: gps(), cell: cell(), acc: bool(), uploadMode: int(0, 15), reupload: bool(), ...(bool() ? { mileage: int(0, 0xffffffff) } : {}) }, serial);
    case 2: return encodeLocation(pick([0x10, 0xa0] as const), { time: time(), gps: gps(), cell: cell() }, serial);
    case 3: return encodeLbs(time(), cell(), serial);
    case 4: return encodeHeartbeat(status(), serial);
    case 5: return encodeAlarm(pick([0x16, 0x26, 0x27] as const), { time: time(), gps: gps(), cell: cell() }, status(), serial, int(0, 255));
    case 6: return encodeInformation(pick([0x00, 0x05, 0x0a, 0x04, int(0, 255)]), [...randomBytes(int(0, 40))], serial);
    case 7: return encodeLogin(String(int(100000000, 999999999)) + String(int(100000, 999999)), serial);
    default: return pick(DOC_FRAMES);
  }
}

/** Correct framing and CRC around random content: the decoders see garbage. */
function randomContentFrame(): Buffer {
  const protocol = rnd() < 0.85 ? pick(KNOWN_PROTOCOLS) : int(0, 255);
  return encodeFrame({ protocol, content: randomBytes(int(0, 60)), serial: int(0, 0xffff), long: rnd() < 0.1 });
}

function mutate(f: Buffer): Buffer {
  const out = Buffer.from(f);
  for (let k = int(1, 3); k > 0; k--) {
    const i = int(0, out.length - 1);
    out[i] = (out[i] as number) ^ (1 << int(0, 7));
  }
  return out;
}

function wrongCrc(f: Buffer): Buffer {
  const out = Buffer.from(f);
  const at = out.length - 4;
  out.writeUInt16BE((out.readUInt16BE(at) + int(1, 0xfffe)) & 0xffff, at);
  return out;
}

function hugeLength(): Buffer {
  if (bool()) return Buffer.concat([Buffer.from([0x79, 0x79, 0xff, 0xff]), randomBytes(int(0, 64))]);
  const len = int(CAP, 0xffff);
  return Buffer.concat([Buffer.from([0x79, 0x79, len >> 8, len & 0xff]), randomBytes(int(0, 64))]);
}

const CATEGORIES = ['random-bytes', 'truncated', 'bit-flipped', 'wrong-crc', 'huge-length', 'glued', 'random-content'] as const;
type Category = (typeof CATEGORIES)[number];

function makeCase(cat: Category): Buffer {
  switch (cat) {
    case 'random-bytes': {
      // Half the time start like a frame so the framer gets past the first byte.
      const b = randomBytes(int(0, 256));
      if (b.length >= 2 && bool()) b[0] = b[1] = pick([0x78, 0x79]);
      return b;
    }
    case 'truncated': {
      const f = validFrame();
      return Buffer.concat([f.subarray(0, int(0, f.length - 1)), bool() ? validFrame() : Buffer.alloc(0)]);
    }
    case 'bit-flipped':
      return Buffer.concat([mutate(validFrame()), validFrame()]);
    case 'wrong-crc':
      return Buffer.concat([wrongCrc(validFrame()), validFrame()]);
    case 'huge-length':
      return hugeLength();
    case 'glued': {
      const parts: Buffer[] = [];
      for (let k = int(2, 6); k > 0; k--) parts.push(rnd() < 0.15 ? mutate(validFrame()) : validFrame());
      return Buffer.concat(parts);
    }
    case 'random-content': {
      const parts: Buffer[] = [];
      for (let k = int(1, 4); k > 0; k--) parts.push(randomContentFrame());
      return Buffer.concat(parts);
    }
  }
}

function chunks(b: Buffer): Buffer[] {
  const n = b.length === 0 ? 0 : int(0, Math.min(6, b.length - 1));
  const cuts = new Set<number>();
  for (let k = 0; k < n; k++) cuts.add(int(1, b.length - 1));
  const sorted = [...cuts].sort((x, y) => x - y);
  const out: Buffer[] = [];
  let prev = 0;
  for (const c of sorted) {
    out.push(b.subarray(prev, c));
    prev = c;
  }
  out.push(b.subarray(prev));
  return out;
}

const login = encodeLogin('358899051234567', 1);
const stepCounts: Record<SessionStep['kind'], number> = { identify: 0, records: 0, reply: 0, ignored: 0, close: 0 };
const perCategory = Object.fromEntries(CATEGORIES.map((c) => [c, 0])) as Record<Category, number>;
let thrown = 0;
let netFaults = 0;
let badRecords = 0;
let records = 0;
let bytesIn = 0;
let firstFailure: string | undefined;

const t0 = process.hrtime.bigint();
for (let i = 0; i < count; i++) {
  const cat = pick(CATEGORIES);
  perCategory[cat]++;
  const input = makeCase(cat);
  bytesIn += input.length;
  const session = createGt06Session({ maxFrameBytes: CAP, maxRecordsPerPacket: 255 }, { now: () => NOW });
  try {
    if (rnd() < 0.85) session.push(login);
    for (const c of chunks(input)) {
      for (const step of session.push(c)) {
        stepCounts[step.kind]++;
        if (step.kind === 'ignored' && step.error.detail?.fault !== undefined) {
          netFaults++;
          firstFailure ??= `case ${i} (${cat}): ${step.error.message} input=${input.toString('hex')}`;
        }
        if (step.kind === 'records') {
          for (const r of step.records) {
            records++;
            const full = { ...r, id: 'fuzz', tenantId: 'default', receivedAt: NOW, priority: r.priority ?? 'normal' };
            if (!TelemetryRecordSchema.safeParse(full).success) {
              badRecords++;
              firstFailure ??= `case ${i} (${cat}): invalid record ${JSON.stringify(r)}`;
            }
          }
        }
      }
    }
  } catch (e) {
    thrown++;
    firstFailure ??= `case ${i} (${cat}): threw ${String(e)} input=${input.toString('hex')}`;
  }
}
const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
const frames = Object.values(stepCounts).reduce((a, b) => a + b, 0);

console.log(`gt06 fuzz  seed=${seed}`);
console.log(`cases        ${count.toLocaleString('en-US')}  (${CATEGORIES.map((c) => `${c} ${perCategory[c]}`).join(', ')})`);
console.log(`bytes in     ${(bytesIn / 1e6).toFixed(1)} MB`);
console.log(`steps        ${frames.toLocaleString('en-US')}  (${Object.entries(stepCounts).map(([k, v]) => `${k} ${v}`).join(', ')}), records ${records}`);
console.log(`time         ${seconds.toFixed(2)} s`);
console.log(`throughput   ${Math.round(count / seconds).toLocaleString('en-US')} cases/s, ${Math.round(frames / seconds).toLocaleString('en-US')} frames/s`);
console.log(`exceptions   ${thrown + netFaults}  (thrown ${thrown}, caught by the session's safety net ${netFaults})`);
console.log(`bad records  ${badRecords}`);
console.log(`max RSS      ${(process.resourceUsage().maxRSS / 1024).toFixed(1)} MB`);
if (firstFailure !== undefined) console.log(`first failure: ${firstFailure}`);
process.exit(thrown + netFaults + badRecords === 0 ? 0 : 1);
