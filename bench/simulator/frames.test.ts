import { describe, expect, it } from 'vitest';
import { createGt06Session } from '../../adapters/gt06/index.ts';
import { normalizeRecord } from '../../adapters/ingest/normalize.ts';
import { createTeltonikaSession } from '../../adapters/teltonika/index.ts';
import { parseOsmandRequest } from '../../adapters/osmand/parse-request.ts';
import { DEFAULT_SESSION_LIMITS, type SessionStep } from '../../adapters/tcp/protocol-session.ts';
import { DEFAULT_TENANT, type DecodedRecord } from '../../engine/model/index.ts';
import type { SimRecord } from './device.ts';
import { DEFAULT_DEAD_ZONES, FleetModel } from './fleet.ts';
import { encodeAlarm, encodeHeartbeat, encodeLocation, encodeLogin, readAnswers } from './gt06-frames.ts';
import { osmandJsonBody, osmandQuery } from './osmand-client.ts';
import { encodeAvlPacket, encodeImeiHandshake } from './teltonika-frames.ts';

/**
 * The simulator's frames decoded by the platform's own protocol sessions:
 * if these pass, what the simulator sends is what a real device sends, as far
 * as the platform can tell.
 */

const T0 = Date.UTC(2025, 4, 1, 8, 0, 0);

function fleetRecords(protocol: 'osmand' | 'teltonika' | 'gt06', n = 60): { id: string; records: SimRecord[] } {
  const fleet = new FleetModel({
    devices: 30,
    seed: 5,
    mix: { osmand: protocol === 'osmand' ? 1 : 0, teltonika: protocol === 'teltonika' ? 1 : 0, gt06: protocol === 'gt06' ? 1 : 0 },
    rateScale: 1,
    idOffset: 0,
    startMs: T0,
    deadZones: { ...DEFAULT_DEAD_ZONES, initialShare: 0 },
    alarmsPerMin: 30,
  });
  const out: SimRecord[] = [];
  // records of every device in one stream: the sessions do not care whose they are, and the mix covers every sensor
  for (let s = 0; out.length < n && s < 2000; s++) fleet.stepGroup(0, 1, T0 + s * 1000, (_d, r) => out.push(r));
  const d0 = fleet.devices[0]!;
  const alarm = d0.raiseAlarm(T0 + 2_000_500, 'crash');
  out.push(alarm);
  return { id: d0.id, records: out };
}

function recordsOf(steps: SessionStep[]): DecodedRecord[] {
  return steps.flatMap((s) => (s.kind === 'records' ? s.records : []));
}

function checkNormalized(decoded: DecodedRecord[]): void {
  for (const d of decoded) {
    const n = normalizeRecord(DEFAULT_TENANT, d, T0 + 3_000_000);
    expect(n.ok, n.ok ? '' : n.reason).toBe(true);
  }
}

describe('simulator frames decode with the platform sessions', () => {
  it('Teltonika: handshake, Codec 8E packets of several records, sensors, panic and crash', () => {
    const { id, records } = fleetRecords('teltonika');
    const session = createTeltonikaSession(DEFAULT_SESSION_LIMITS);
    const hello = session.push(encodeImeiHandshake(id));
    expect(hello[0]).toMatchObject({ kind: 'identify', deviceId: id });
    records.at(-2)!.alarm = 'panic';
    expect(records.some((r) => r.obd) && records.some((r) => r.probesC) && records.some((r) => r.driverId)).toBe(true);
    const packet = encodeAvlPacket(records.slice(0, 40));
    const rest = encodeAvlPacket(records.slice(40));
    // split arbitrarily, as TCP may
    const steps = [...session.push(packet.subarray(0, 33)), ...session.push(Buffer.concat([packet.subarray(33), rest]))];
    const recordSteps = steps.filter((s) => s.kind === 'records');
    expect(recordSteps).toHaveLength(2);
    const first = recordSteps[0]!;
    expect(first.kind === 'records' && first.reply?.readUInt32BE(0)).toBe(40);
    const decoded = recordsOf(steps);
    expect(decoded).toHaveLength(records.length);
    decoded.forEach((d, i) => {
      const r = records[i]!;
      expect(d.deviceTime).toBe(r.deviceTime);
      expect(d.position?.lat).toBeCloseTo(r.lat, 5);
      expect(d.position?.lon).toBeCloseTo(r.lon, 5);
      expect(d.position?.speedKmh).toBe(r.speedKmh);
      expect(d.ignition).toBe(r.ignition);
      expect(d.engine?.odometerM).toBe(r.odometerM);
      if (r.obd) {
        expect(d.engine?.rpm).toBe(r.obd.rpm);
        expect(d.engine?.coolantC).toBe(r.obd.coolantC);
      }
      if (r.probesC) expect(d.probes?.map((p) => p.tempC)).toEqual(r.probesC);
      if (r.driverId) expect(d.driverId ?? d.tachograph?.driverId).toBe(r.driverId);
    });
    expect(decoded.at(-2)!.alarms).toContain('panic');
    expect(decoded.at(-2)!.priority).toBe('critical');
    expect(decoded.at(-1)!.alarms).toContain('crash');
    expect(decoded.at(-1)!.priority).toBe('critical');
    checkNormalized(decoded);
  });

  it('GT06: login, locations (re-uploads flagged), heartbeat and alarms, answered where the protocol answers', () => {
    const { id, records } = fleetRecords('gt06', 20);
    const session = createGt06Session(DEFAULT_SESSION_LIMITS, { now: () => T0 + 3_000_000 });
    const login = session.push(encodeLogin(id, 1));
    expect(login[0]).toMatchObject({ kind: 'identify', deviceId: id });
    const loginStep = login[0]!;
    expect(loginStep.kind === 'identify' && readAnswers(loginStep.accept!).answers).toEqual([{ protocol: 0x01, serial: 1 }]);
    let serial = 2;
    const positions = records.filter((r) => !r.alarm);
    positions[0]!.buffered = true;
    const steps = session.push(Buffer.concat(positions.map((r) => encodeLocation(r, serial++))));
    const decoded = recordsOf(steps);
    expect(decoded).toHaveLength(positions.length);
    decoded.forEach((d, i) => {
      const r = positions[i]!;
      expect(d.deviceTime).toBe(r.deviceTime);
      expect(d.position?.lat).toBeCloseTo(r.lat, 4);
      expect(d.position?.lon).toBeCloseTo(r.lon, 4);
      expect(d.ignition).toBe(r.ignition);
    });
    expect(steps.every((s) => s.kind === 'records' && s.reply === undefined)).toBe(true);
    const hb = session.push(encodeHeartbeat(true, 300));
    expect(hb).toHaveLength(1);
    expect(recordsOf(hb)).toHaveLength(1); // a heartbeat is a (status-only) record
    expect(hb[0]!.kind === 'records' && readAnswers(hb[0]!.reply!).answers).toEqual([{ protocol: 0x13, serial: 300 }]);
    const crash = records.at(-1)!;
    const panic = { ...crash, alarm: 'panic' as const, deviceTime: crash.deviceTime + 1000 };
    const alarms = session.push(Buffer.concat([encodeAlarm(crash, 301), encodeAlarm(panic, 302)]));
    const ad = recordsOf(alarms);
    expect(ad.map((d) => d.alarms)).toEqual([['crash'], ['panic']]);
    expect(ad.every((d) => d.priority === 'critical')).toBe(true);
    expect(alarms.map((s) => s.kind === 'records' && readAnswers(s.reply!).answers[0])).toEqual([
      { protocol: 0x16, serial: 301 },
      { protocol: 0x16, serial: 302 },
    ]);
    checkNormalized([...decoded, ...recordsOf(hb), ...ad]);
  });

  it('OsmAnd: query form for live records, JSON batches for replays', () => {
    const { id, records } = fleetRecords('osmand', 10);
    for (const r of records) {
      const parsed = parseOsmandRequest(osmandQuery(id, r), '', '', T0 + 3_000_000);
      expect(parsed.ok).toBe(true);
      if (!parsed.ok) continue;
      const d = parsed.records[0]!;
      expect(d.deviceTime).toBe(r.deviceTime);
      expect(d.position?.speedKmh).toBeCloseTo(r.speedKmh, 1);
      expect(d.ignition).toBe(r.ignition);
      if (r.alarm) expect(d.alarms).toEqual([r.alarm]);
      checkNormalized(parsed.records);
    }
    const batch = parseOsmandRequest('', 'application/json', osmandJsonBody(id, records), T0 + 3_000_000);
    expect(batch.ok && batch.records.map((d) => d.deviceTime)).toEqual(records.map((r) => r.deviceTime));
  });
});
