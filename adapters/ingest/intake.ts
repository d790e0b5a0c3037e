import { recordIdOf, type DecodedRecord, type TelemetryRecord, type TenantId } from '../../engine/model/index.ts';
import { yieldIfDue } from '../../engine/scheduling/turn-budget.ts';
import { isCritical, normalizeRecord } from './normalize.ts';

/** The intake governor's admission (intake-governor.ts): `gone` says the device stopped waiting for the answer. */
export type AdmitRecords = (records: number, live: boolean, gone?: () => boolean) => Promise<void>;

/** What a listener needs to take a packet's records in. */
export interface IntakeGate {
  tenant: TenantId;
  /** Paces ordinary records (intake-governor.ts), live packets before replays; without it nothing waits. */
  admit?: AdmitRecords;
  /** True once the device stopped waiting for this packet's answer (closed, aborted): its turn is not spent on it. */
  gone?: () => boolean;
  /** True when JetStream already acknowledged this record id here (RecordPublisher.resent). */
  resent?: (id: string) => boolean;
}

export interface RejectedRecord {
  deviceId: string;
  deviceTime: number;
  reason: string;
}

export interface TakenIn {
  /** Valid records still to publish, in the packet's order. */
  records: TelemetryRecord[];
  /** Records the device sent again after they were acknowledged: answered, not published twice. */
  resent: number;
  /** Records that failed validation (each listener decides what that costs the packet). */
  rejected: RejectedRecord[];
}

/**
 * How far a record's device time may be from its arrival for the packet to
 * count as live: older is a replay from the device's buffer (a dead zone, a
 * restart), which the intake governor serves after live packets.
 */
export const LIVE_WITHIN_MS = 2 * 60_000;

/** Every record of the packet within LIVE_WITHIN_MS of its arrival (a device clock far off counts as a replay). */
export function isLive(decoded: readonly DecodedRecord[], receivedAt: number): boolean {
  return decoded.every((d) => Math.abs(receivedAt - d.deviceTime) <= LIVE_WITHIN_MS);
}

/**
 * The step between decoding a packet and publishing it, the same for every
 * listener: resends are set aside first, so that a device replaying what it
 * already sent (its ACK came late) costs neither pacing nor validation; the
 * new records then wait their turn in the intake governor, unless the packet
 * carries an alarm, and are validated.
 *
 * Every packet but an alarm's starts within the thread's turn budget: resends
 * are not paced, and in a reconnect storm devices resend millions of records,
 * whole packets that would otherwise run back to back on microtasks (the
 * adapters' thread stalled up to half a second).
 */
export async function takeIn(gate: IntakeGate, decoded: readonly DecodedRecord[], receivedAt: number): Promise<TakenIn> {
  const critical = decoded.some(isCritical);
  if (!critical) await yieldIfDue();
  const ids = decoded.map((d) => recordIdOf(gate.tenant, d));
  const known = ids.map((id) => gate.resent?.(id) ?? false);
  const fresh = known.reduce((n, k) => (k ? n : n + 1), 0);
  if (fresh > 0 && gate.admit && !critical) await gate.admit(fresh, isLive(decoded, receivedAt), gate.gone);
  const taken: TakenIn = { records: [], resent: decoded.length - fresh, rejected: [] };
  decoded.forEach((d, i) => {
    if (known[i]) return;
    const n = normalizeRecord(gate.tenant, d, receivedAt, ids[i]);
    if (n.ok) taken.records.push(n.record);
    else taken.rejected.push({ deviceId: d.deviceId, deviceTime: d.deviceTime, reason: n.reason });
  });
  return taken;
}
