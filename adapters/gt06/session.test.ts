import { describe, expect, it } from 'vitest';
import { DEFAULT_TENANT, TelemetryRecordSchema, recordIdOf, type DecodedRecord } from '../../engine/model/index.ts';
import type { SessionStep } from '../tcp/protocol-session.ts';
import { encodeTimeAnswer } from './answer.ts';
import { createGt06Session } from './session.ts';
import { encodeAlarm, encodeFrame, encodeHeartbeat, encodeInformation, encodeLocation, encodeLogin, type LocationSpec } from './test-encoder.ts';
import { cutAt, feed, newSession, TEST_LIMITS, TEST_NOW } from './test-kit.ts';
import * as V from './vectors.ts';

const b = V.bytes;

function loggedIn() {
  const s = newSession();
  const [step] = s.push(b(V.LOGIN));
  expect(step?.kind).toBe('identify');
  return s;
}

function only(steps: SessionStep[]): SessionStep {
  expect(steps).toHaveLength(1);
  return steps[0] as SessionStep;
}

const HOURS_AGO = new Date(TEST_NOW - 6 * 3600_000);
const RECENT: LocationSpec = {
  time: {
    year: HOURS_AGO.getUTCFullYear(),
    month: HOURS_AGO.getUTCMonth() + 1,
    day: HOURS_AGO.getUTCDate(),
    hour: HOURS_AGO.getUTCHours(),
    minute: HOURS_AGO.getUTCMinutes(),
    second: HOURS_AGO.getUTCSeconds(),
  },
  gps: { satellites: 8, latRaw: 94_000_000, lonRaw: 24_000_000, north: true, east: true, speedKmh: 50, course: 180, positioned: true, differential: false },
  cell: { mcc: 262, mnc: 2, lac: 100, cellId: 200 },
  acc: true,
  uploadMode: 5,
  reupload: true,
};

describe('login', () => {
  it('identify step: accept is the document answer byte for byte, reject undefined', () => {
    const s = newSession();
    const step = only(s.push(b(V.LOGIN)));
    expect(step).toEqual({ kind: 'identify', deviceId: '123456789012345', accept: b(V.LOGIN_ANSWER), reject: undefined });
    if (step.kind === 'identify') expect(step.accept?.toString('hex').toUpperCase()).toBe('787805010001D9DC0D0A');
    expect(s.deviceId).toBe('123456789012345');
    expect(s.protocol).toBe('gt06');
  });

  it('the same device logging in again is identified again; another device on the same connection is refused', () => {
    const s = loggedIn();
    expect(only(s.push(encodeLogin('123456789012345', 2))).kind).toBe('identify');
    expect(feed(s, [encodeLogin('999999999999999', 3)])).toMatchObject([{ kind: 'close', code: 'bad-identity' }]);
  });

  it('a terminal id that is not BCD closes with bad-identity', () => {
    const s = newSession();
    const frame = encodeFrame({ protocol: 0x01, content: Buffer.from('0123456789ABCDEF', 'hex'), serial: 1 });
    expect(feed(s, [frame])).toMatchObject([{ kind: 'close', code: 'bad-identity' }]);
    expect(s.deviceId).toBeUndefined();
  });
});

describe('before login', () => {
  it('data closes the connection with not-identified, and nothing follows', () => {
    const s = newSession();
    expect(feed(s, [Buffer.concat([b(V.LOCATION_12), b(V.LOGIN)])])).toMatchObject([{ kind: 'close', code: 'not-identified' }]);
    expect(s.push(b(V.LOGIN))).toEqual([]);
  });

  it('a bad CRC before login is only ignored', () => {
    const s = newSession();
    expect(feed(s, [b(V.LOCATION_12_TYPO), b(V.LOGIN)]).map((x) => x.kind)).toEqual(['ignored', 'identify']);
  });
});

describe('records', () => {
  it('0x12 location: one record, no answer (the protocol has none)', () => {
    const step = only(loggedIn().push(b(V.LOCATION_12)));
    expect(step).toMatchObject({ kind: 'records', reply: undefined, skipped: [] });
    if (step.kind === 'records') {
      expect(step.records).toHaveLength(1);
      expect(step.records[0]).toMatchObject({ deviceId: '123456789012345', protocol: 'gt06', deviceTime: Date.UTC(2011, 7, 29, 17, 46, 16) });
      expect(step.records[0]?.seq).toBeUndefined();
      expect(step.records[0]?.priority).toBeUndefined();
    }
  });

  it('device time comes from the frame even when hours old; the re-upload flag is an attribute', () => {
    const step = only(loggedIn().push(encodeLocation(0x22, RECENT, 10)));
    expect(step).toMatchObject({
      kind: 'records',
      reply: undefined,
      records: [{ deviceTime: TEST_NOW - 6 * 3600_000, ignition: true, attributes: { reupload: true, uploadMode: 5 } }],
    });
  });

  it('heartbeat: status-only record (no position) answered with 0x13 and its serial', () => {
    const step = only(loggedIn().push(b(V.HEARTBEAT)));
    expect(step).toMatchObject({ kind: 'records', reply: b(V.HEARTBEAT_ANSWER), skipped: [] });
    if (step.kind === 'records') {
      expect(step.records[0]).toMatchObject({ deviceTime: TEST_NOW, ignition: false, attributes: { voltageLevel: 1, gsmSignal: 4 } });
      expect(step.records[0]?.position).toBeUndefined();
    }
  });

  it('two heartbeats within one millisecond are two records: the frame serial keeps their ids apart', () => {
    // Same device, same receive millisecond, same content: without the serial the second was answered as
    // a resend of the first and never stored.
    const s = loggedIn();
    const status = { terminalInfo: 0x46, voltageLevel: 5, gsmSignal: 4, alarmCode: 0, language: 2 };
    const ids = [7, 8].map((serial) => {
      const step = only(s.push(encodeHeartbeat(status, serial)));
      if (step.kind !== 'records') throw new Error(step.kind);
      expect(step.records[0]).toMatchObject({ deviceTime: TEST_NOW, attributes: { frameSerial: serial } });
      return recordIdOf(DEFAULT_TENANT, step.records[0]!);
    });
    expect(new Set(ids).size).toBe(2);
  });

  it('alarm: critical record answered with 0x16 and its serial (document answer)', () => {
    const step = only(loggedIn().push(b(V.ALARM_16)));
    expect(step).toMatchObject({ kind: 'records', reply: b(V.ALARM_16_ANSWER), records: [{ alarms: ['panic'], priority: 'critical' }] });
  });

  it('0x23 heartbeat is answered with 0x23 (document answer)', () => {
    expect(only(loggedIn().push(b(V.HEARTBEAT_EXTERNAL_POWER)))).toMatchObject({ kind: 'records', reply: b(V.HEARTBEAT_EXTERNAL_POWER_ANSWER) });
  });

  it('a position with month 13 is skipped; an answered frame with a bad value is still answered', () => {
    const s = loggedIn();
    const bad = { ...RECENT, time: { ...RECENT.time, month: 13 } };
    expect(only(s.push(encodeLocation(0x12, bad, 11)))).toEqual({
      kind: 'records',
      records: [],
      reply: undefined,
      skipped: [{ index: 0, reason: 'month 13 out of range' }],
    });
    const badAlarm = encodeAlarm(0x16, { ...RECENT, gps: { ...RECENT.gps, latRaw: 170_000_000 } }, { terminalInfo: 0x40, voltageLevel: 4, gsmSignal: 4, alarmCode: 0, language: 2 }, 12);
    const step = only(s.push(badAlarm));
    expect(step).toMatchObject({ kind: 'records', records: [], skipped: [{ index: 0 }] });
    if (step.kind === 'records') expect(step.reply?.subarray(0, 6).toString('hex')).toBe('78780516000c');
  });

  it('0x94 external voltage: record, no answer; 0x94 of an undecoded type: ignored, connection open', () => {
    const s = loggedIn();
    expect(only(s.push(encodeInformation(0x00, [0x04, 0x9f], 5)))).toMatchObject({
      kind: 'records',
      reply: undefined,
      records: [{ engine: { externalV: 11.83 } }],
    });
    expect(feed(s, [b(V.INFO_94_STATUS_SYNC), b(V.HEARTBEAT)]).map((x) => x.kind === 'ignored' ? x.code : x.kind)).toEqual(['unsupported', 'records']);
  });

  it('every record from the document vectors is a valid TelemetryRecord once the ingest fields are added', () => {
    const s = loggedIn();
    const frames = [V.LOCATION_12, V.LOCATION_22, V.HEARTBEAT, V.HEARTBEAT_GT800, V.HEARTBEAT_EXTERNAL_POWER, V.ALARM_16, V.ALARM_26, V.ALARM_26_NO_ALARM_CODE, V.ALARM_27, V.LBS_ALARM_19];
    const records: DecodedRecord[] = [];
    for (const f of frames) for (const st of s.push(b(f))) if (st.kind === 'records') records.push(...st.records);
    expect(records).toHaveLength(frames.length);
    for (const r of records) {
      const full = { ...r, id: 'x', tenantId: 'default', receivedAt: TEST_NOW, priority: r.priority ?? 'normal' };
      expect(TelemetryRecordSchema.safeParse(full).error).toBeUndefined();
    }
  });
});

describe('other steps', () => {
  it('0x8A time request -> reply with the session clock as UTC', () => {
    const [step] = feed(loggedIn(), [b(V.TIME_REQUEST)]);
    // 2024-01-02 03:04:05 UTC = 18 01 02 03 04 05, serial 0x0006 echoed; CRC as the §9.2-pinned encoder makes it.
    expect(step).toEqual({ kind: 'reply', reply: encodeTimeAnswer(6, TEST_NOW).toString('hex') });
    expect(String(step?.reply).slice(0, 24)).toBe('78780b8a1801020304050006');
  });

  it('an unknown protocol number is ignored as unsupported and the next frame decodes', () => {
    const s = loggedIn();
    const unknown = encodeFrame({ protocol: 0x5a, content: Uint8Array.from([1, 2, 3]), serial: 9 });
    expect(feed(s, [Buffer.concat([unknown, b(V.HEARTBEAT)])]).map((x) => x.kind === 'ignored' ? x.code : x.kind)).toEqual(['unsupported', 'records']);
  });

  it('a malformed record message is ignored as bad-length, not answered', () => {
    const short = encodeFrame({ protocol: 0x13, content: Uint8Array.from([0x44]), serial: 2 });
    expect(feed(loggedIn(), [short])).toMatchObject([{ kind: 'ignored', code: 'bad-length' }]);
  });

  it('maxRecordsPerPacket below 1 refuses record messages', () => {
    const s = createGt06Session({ ...TEST_LIMITS, maxRecordsPerPacket: 0 }, { now: () => TEST_NOW });
    s.push(b(V.LOGIN));
    expect(feed(s, [b(V.HEARTBEAT)])).toMatchObject([{ kind: 'ignored', code: 'too-many-records' }]);
  });

  it('errors carry the device id', () => {
    const [step] = loggedIn().push(b(V.LOCATION_12_TYPO));
    expect(step?.kind === 'ignored' && step.error.deviceId).toBe('123456789012345');
    expect(step?.kind === 'ignored' && step.error.protocol).toBe('gt06');
  });

  it('a frame over the cap closes with frame-too-large', () => {
    const s = createGt06Session({ maxFrameBytes: 32, maxRecordsPerPacket: 255 });
    s.push(b(V.LOGIN));
    expect(feed(s, [b(V.LOCATION_22)])).toMatchObject([{ kind: 'close', code: 'frame-too-large' }]);
  });
});

describe('stream shape does not matter', () => {
  const stream = Buffer.concat(
    [V.LOGIN, V.LOCATION_12, V.HEARTBEAT, V.ALARM_16, V.INFO_94_STATUS_SYNC, V.LOCATION_22, V.ALARM_27, V.LBS_ALARM_19, V.TIME_REQUEST, V.LOCATION_12_TYPO, V.HEARTBEAT_EXTERNAL_POWER].map(b),
  );
  const whole = feed(newSession(), [stream]);

  it('the glued stream gives one step per frame', () => {
    expect(whole.map((x) => x.kind)).toEqual(['identify', 'records', 'records', 'records', 'ignored', 'records', 'records', 'records', 'reply', 'ignored', 'records']);
  });

  it('split at every offset: same steps', () => {
    for (let i = 1; i < stream.length; i++) expect(feed(newSession(), cutAt(stream, [i]))).toEqual(whole);
  });

  it('one byte at a time: same steps', () => {
    expect(feed(newSession(), [...stream].map((x) => Buffer.from([x])))).toEqual(whole);
  });
});
