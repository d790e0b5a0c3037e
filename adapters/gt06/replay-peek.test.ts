import { describe, expect, it } from 'vitest';
import type { SessionStep } from '../tcp/protocol-session.ts';
import { newSession, TEST_NOW } from './test-kit.ts';
import { ALARM_16, HEARTBEAT, LOCATION_12, LOCATION_22, LOGIN, TIME_REQUEST, bytes } from './vectors.ts';

/** ProtocolSession.peek for GT06: what a chunk of frames holds, without a step or a state change. */

const loggedIn = () => {
  const s = newSession();
  expect(s.push(bytes(LOGIN)).map((st) => st.kind)).toEqual(['identify']);
  return s;
};
const timesOf = (steps: SessionStep[]) => steps.flatMap((st) => (st.kind === 'records' ? st.records.map((r) => r.deviceTime) : []));

describe('GT06 peek', () => {
  it('reads a replay burst (locations, then the heartbeat that asks for their confirmation) and leaves the session as it was', () => {
    const s = loggedIn();
    const chunk = Buffer.concat([bytes(LOCATION_12), bytes(LOCATION_22), bytes(LOCATION_12), bytes(HEARTBEAT)]);
    const peek = s.peek!(chunk)!;
    const times = timesOf(s.push(chunk));
    expect(times).toHaveLength(4);
    // The heartbeat carries no time: it is stamped now, as push stamps it.
    expect(peek).toEqual({ records: 4, critical: false, oldestDeviceTime: Math.min(...times), newestDeviceTime: TEST_NOW });
    expect(peek.oldestDeviceTime).toBeLessThan(TEST_NOW - 86_400_000);
  });

  it('marks a chunk with an SOS alarm critical', () => {
    expect(loggedIn().peek!(Buffer.concat([bytes(LOCATION_12), bytes(ALARM_16)]))?.critical).toBe(true);
  });

  it('says nothing of a chunk that is not whole record frames of a logged-in device', () => {
    const s = loggedIn();
    const loc = bytes(LOCATION_12);
    expect(s.peek!(loc.subarray(0, 10))).toBeUndefined();
    expect(s.peek!(Buffer.concat([loc, bytes(LOGIN)]))).toBeUndefined();
    expect(s.peek!(Buffer.concat([loc, bytes(TIME_REQUEST)]))).toBeUndefined();
    const badCrc = Buffer.from(loc);
    badCrc[badCrc.length - 4]! ^= 0xff;
    expect(s.peek!(Buffer.concat([loc, badCrc]))).toBeUndefined();
    expect(s.peek!(Buffer.from('0102', 'hex'))).toBeUndefined();
    // Half a frame buffered: the next chunk does not start one.
    expect(s.push(loc.subarray(0, 10))).toEqual([]);
    expect(s.peek!(loc)).toBeUndefined();
    // Before the login there is no device to hold anything for.
    expect(newSession().peek!(loc)).toBeUndefined();
  });
});
