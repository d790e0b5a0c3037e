import { createGt06Session } from '../../adapters/gt06/index.ts';
import { normalizeRecord } from '../../adapters/ingest/normalize.ts';
import { parseOsmandRequest } from '../../adapters/osmand/parse-request.ts';
import { createTeltonikaSession } from '../../adapters/teltonika/index.ts';
import { DEFAULT_SESSION_LIMITS, type ProtocolSession } from '../../adapters/tcp/protocol-session.ts';
import { DEFAULT_TENANT, pack, partitionOf, type DecodedRecord, type DeviceId, type TelemetryRecord } from '../../engine/model/index.ts';
import { DEFAULT_DEAD_ZONES, FleetModel, type Mix } from '../simulator/fleet.ts';
import { encodeLocation, encodeLogin } from '../simulator/gt06-frames.ts';
import { osmandQuery } from '../simulator/osmand-client.ts';
import { encodeAvlPacket, encodeImeiHandshake } from '../simulator/teltonika-frames.ts';

/**
 * Records exactly as the platform publishes them: a simulated fleet's
 * records, encoded in their device protocol, decoded by the platform's own
 * sessions and normalized, then packed with msgpack. The ceiling publishes
 * these, so its payloads are the engine's payloads, byte for byte in shape
 * and size.
 */

export interface SamplePayload {
  record: TelemetryRecord;
  partition: number;
  bytes: Buffer;
}

export function samplePayloads(count: number, opts: { seed: number; mix: Mix; partitions: number; devices?: number }): SamplePayload[] {
  const startMs = Date.now() - 3600_000;
  const fleet = new FleetModel({
    devices: opts.devices ?? Math.max(50, Math.min(2000, Math.ceil(count / 10))),
    seed: opts.seed,
    mix: opts.mix,
    rateScale: 1,
    idOffset: 0,
    startMs,
    deadZones: { ...DEFAULT_DEAD_ZONES, initialShare: 0 },
    alarmsPerMin: 2,
  });
  const sessions = new Map<number, ProtocolSession>();
  const decoded: DecodedRecord[] = [];
  for (let s = 0; decoded.length < count && s < 7200; s++) {
    fleet.stepGroup(0, 1, startMs + s * 1000, (d, r) => {
      if (decoded.length >= count) return;
      if (d.protocol === 'osmand') {
        const p = parseOsmandRequest(osmandQuery(d.id, r), '', '', startMs + s * 1000);
        if (p.ok) decoded.push(...p.records);
        return;
      }
      let session = sessions.get(d.index);
      if (!session) {
        session = d.protocol === 'teltonika' ? createTeltonikaSession(DEFAULT_SESSION_LIMITS) : createGt06Session(DEFAULT_SESSION_LIMITS);
        session.push(d.protocol === 'teltonika' ? encodeImeiHandshake(d.id) : encodeLogin(d.id, 1));
        sessions.set(d.index, session);
      }
      const frame = d.protocol === 'teltonika' ? encodeAvlPacket([r]) : encodeLocation(r, 2);
      for (const step of session.push(frame)) if (step.kind === 'records') decoded.push(...step.records);
    });
  }
  const out: SamplePayload[] = [];
  for (const d of decoded) {
    const n = normalizeRecord(DEFAULT_TENANT, d, d.deviceTime + 50);
    if (!n.ok) continue;
    out.push({ record: n.record, partition: partitionOf(DEFAULT_TENANT, d.deviceId as DeviceId, opts.partitions), bytes: pack(n.record) });
  }
  return out;
}
