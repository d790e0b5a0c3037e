import dgram from 'node:dgram';
import type { Logger } from '../../engine/log.ts';
import { DeviceIdSchema, type TelemetryRecord, type TenantId } from '../../engine/model/index.ts';
import type { DeviceAdmission } from '../../engine/registry/device-registry.ts';
import { takeIn, type IntakeGate } from '../ingest/intake.ts';
import { LogBudget } from '../tcp/log-budget.ts';
import { DEFAULT_SESSION_LIMITS, type SessionLimits } from '../tcp/protocol-session.ts';
import type { IoFamily } from './io-map.ts';
import { decodeTeltonikaDatagram } from './udp.ts';

/**
 * Teltonika over UDP (same port number as TCP by convention, 5027). Every
 * datagram carries the IMEI, so there is no session: decode, admit,
 * normalise, publish, and only once JetStream acknowledged, send the
 * acknowledgement back to the sender. Anything that goes wrong sends nothing;
 * the device resends the datagram after its own timeout.
 *
 * UDP senders are unauthenticated and can be spoofed, so everything an
 * outsider can trigger at will (malformed datagrams, unknown IMEIs,
 * overload) is counted in `stats` and logged within a line budget.
 */

export interface UdpListenerLimits extends SessionLimits {
  /**
   * Datagrams being admitted/published at once. Beyond it new datagrams are
   * dropped unanswered (the device resends), so a flood cannot queue
   * unbounded work behind a slow JetStream.
   */
  maxInFlight: number;
}

export const DEFAULT_UDP_LISTENER_LIMITS: Readonly<UdpListenerLimits> = Object.freeze({
  ...DEFAULT_SESSION_LIMITS,
  maxInFlight: 1_000,
});

export interface TeltonikaUdpListenerOptions {
  host: string;
  /** 0 picks a free port (tests). */
  port: number;
  tenant: TenantId;
  admission: DeviceAdmission;
  /** Must resolve only once JetStream acknowledged every record. */
  publish: (records: TelemetryRecord[]) => Promise<unknown>;
  /** Paces ordinary records (adapters/ingest/intake-governor.ts); critical ones never wait. */
  admit?: (records: number, live: boolean) => Promise<void>;
  /** True when a record id was already acknowledged (RecordPublisher.resent): the device's resend is answered at once. */
  resent?: (id: string) => boolean;
  log: Logger;
  limits?: Partial<UdpListenerLimits>;
  /** Which IO table maps the devices' IO ids (default 'fmb'). */
  ioFamily?: IoFamily;
  now?: () => number;
}

export interface UdpListenerStats {
  datagramsReceived: number;
  /** Not a Teltonika datagram we can decode: dropped. */
  datagramsMalformed: number;
  /** The registry refused the IMEI: dropped. */
  datagramsRefused: number;
  /** maxInFlight reached: dropped unanswered. */
  datagramsDroppedOverload: number;
  admissionFailures: number;
  publishFailures: number;
  recordsPublished: number;
  /** Failed normalisation: acknowledged (the device counted them) but never published. */
  recordsDropped: number;
  /** Sent again after JetStream had acknowledged them: answered, not published twice. */
  recordsResent: number;
  repliesSent: number;
}

export interface TeltonikaUdpListener {
  readonly port: number;
  readonly stats: Readonly<UdpListenerStats>;
  /** Stops receiving, lets datagrams in flight finish (and be answered), then closes the socket. */
  close(): Promise<void>;
}

/** Lines per window for each kind of outsider-triggered event. */
const LOG_LINES_PER_WINDOW = 10;
const LOG_WINDOW_MS = 10_000;
/** Longest wait for in-flight datagrams at shutdown. */
const SHUTDOWN_GRACE_MS = 10_000;

type BudgetKind = 'malformed' | 'refused' | 'overload' | 'failure' | 'record';

export async function startTeltonikaUdpListener(opts: TeltonikaUdpListenerOptions): Promise<TeltonikaUdpListener> {
  const limits = resolveUdpLimits(opts.limits);
  const sessionLimits: SessionLimits = { maxFrameBytes: limits.maxFrameBytes, maxRecordsPerPacket: limits.maxRecordsPerPacket };
  const now = opts.now ?? Date.now;
  const log = opts.log.child({ listener: 'teltonika-udp' });
  const gate: IntakeGate = { tenant: opts.tenant, ...(opts.admit ? { admit: opts.admit } : {}), ...(opts.resent ? { resent: opts.resent } : {}) };
  const stats: UdpListenerStats = {
    datagramsReceived: 0,
    datagramsMalformed: 0,
    datagramsRefused: 0,
    datagramsDroppedOverload: 0,
    admissionFailures: 0,
    publishFailures: 0,
    recordsPublished: 0,
    recordsDropped: 0,
    recordsResent: 0,
    repliesSent: 0,
  };
  const budgets = new Map<BudgetKind, LogBudget>();
  /** Logs unless this kind of line is over its budget; the next line says how many were left out. */
  const limitedLog = (kind: BudgetKind, level: 'warn' | 'error', fields: Record<string, unknown>, msg: string): void => {
    let budget = budgets.get(kind);
    if (!budget) budgets.set(kind, (budget = new LogBudget(LOG_LINES_PER_WINDOW, LOG_WINDOW_MS)));
    const allowed = budget.take();
    if (allowed) log[level]({ protocol: 'teltonika', transport: 'udp', ...fields, suppressedSinceLast: allowed.suppressed }, msg);
  };

  let inFlight = 0;
  let closing = false;
  let onIdle: (() => void) | undefined;
  const socket = dgram.createSocket(opts.host.includes(':') ? 'udp6' : 'udp4');

  const handle = async (msg: Buffer, remote: dgram.RemoteInfo): Promise<void> => {
    const from = `${remote.family === 'IPv6' ? `[${remote.address}]` : remote.address}:${remote.port}`;
    const receivedAt = now();
    const decoded = decodeTeltonikaDatagram(msg, sessionLimits, opts.ioFamily ? { ioFamily: opts.ioFamily } : {});
    if (!decoded.ok) {
      stats.datagramsMalformed++;
      const { error } = decoded;
      limitedLog('malformed', 'warn', { remote: from, deviceId: error.deviceId, code: error.code, reason: error.message, bytes: msg.length }, 'malformed datagram dropped');
      return;
    }
    const { imei } = decoded;
    const id = DeviceIdSchema.safeParse(imei);
    if (!id.success) throw new Error(`decoder returned IMEI ${JSON.stringify(imei)}, which is not a device id`);
    const deviceId = id.data;
    let admission;
    try {
      admission = await opts.admission.admit(opts.tenant, deviceId, 'teltonika');
    } catch (err) {
      stats.admissionFailures++;
      limitedLog('failure', 'error', { remote: from, deviceId: imei, err: errorText(err) }, 'registry unavailable, datagram not answered');
      return;
    }
    if (!admission.admitted) {
      stats.datagramsRefused++;
      limitedLog('refused', 'warn', { remote: from, deviceId: imei, reason: admission.reason }, 'device refused, datagram dropped');
      return;
    }
    if (decoded.skipped.length > 0) {
      limitedLog('record', 'warn', { remote: from, deviceId: imei, skipped: decoded.skipped }, 'records skipped by the decoder (still acknowledged)');
    }
    const { records, resent, rejected } = await takeIn(gate, decoded.records, receivedAt);
    stats.recordsResent += resent;
    for (const r of rejected) {
      stats.recordsDropped++;
      limitedLog('record', 'warn', { remote: from, deviceId: imei, deviceTime: r.deviceTime, reason: r.reason }, 'record failed validation, dropped');
    }
    if (records.length > 0) {
      try {
        await Promise.resolve().then(() => opts.publish(records));
      } catch (err) {
        stats.publishFailures++;
        limitedLog('failure', 'error', { remote: from, deviceId: imei, count: records.length, err: errorText(err) }, 'publish failed, datagram not answered');
        return;
      }
      stats.recordsPublished += records.length;
    }
    // Awaited so the datagram counts as in flight until its answer left: close() waits for it.
    await new Promise<void>((resolve) =>
      socket.send(decoded.reply, remote.port, remote.address, (err) => {
        if (err) log.debug({ remote: from, deviceId: imei, err: err.message }, 'could not send acknowledgement');
        else stats.repliesSent++;
        resolve();
      }),
    );
  };

  socket.on('message', (msg, remote) => {
    if (closing) return;
    stats.datagramsReceived++;
    if (inFlight >= limits.maxInFlight) {
      stats.datagramsDroppedOverload++;
      limitedLog('overload', 'warn', { remote: remote.address, inFlight, reason: `limit maxInFlight ${limits.maxInFlight} reached` }, 'datagram dropped, listener overloaded');
      return;
    }
    inFlight++;
    handle(msg, remote)
      .catch((err: unknown) => {
        // A bug costs this datagram (the device resends), never the process.
        limitedLog('failure', 'error', { remote: remote.address, err: errorText(err) }, 'datagram handling failed');
      })
      .finally(() => {
        inFlight--;
        if (inFlight === 0) onIdle?.();
      });
  });

  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind({ address: opts.host, port: opts.port }, () => {
      socket.off('error', reject);
      resolve();
    });
  });
  socket.on('error', (err) => log.error({ protocol: 'teltonika', transport: 'udp', err: err.message }, 'UDP socket error'));
  const port = socket.address().port;
  log.info({ protocol: 'teltonika', transport: 'udp', host: opts.host, port, limits }, 'Teltonika UDP listener ready');

  let closed: Promise<void> | undefined;
  return {
    port,
    stats,
    close(): Promise<void> {
      closed ??= (async () => {
        closing = true;
        if (inFlight > 0) {
          await new Promise<void>((resolve) => {
            const timer = setTimeout(resolve, SHUTDOWN_GRACE_MS);
            timer.unref();
            onIdle = () => {
              clearTimeout(timer);
              resolve();
            };
          });
        }
        await new Promise<void>((resolve) => socket.close(() => resolve()));
        log.info({ protocol: 'teltonika', transport: 'udp', port }, 'Teltonika UDP listener closed');
      })();
      return closed;
    },
  };
}

/** Defaults filled in and each value checked, so a bad config fails at start-up. */
function resolveUdpLimits(partial: Partial<UdpListenerLimits> = {}): UdpListenerLimits {
  const limits: UdpListenerLimits = { ...DEFAULT_UDP_LISTENER_LIMITS };
  for (const [key, value] of Object.entries(partial) as [keyof UdpListenerLimits, number | undefined][]) {
    if (value === undefined) continue;
    if (!Number.isInteger(value) || value < 1) throw new RangeError(`UDP listener limit ${key} must be a positive integer, got ${String(value)}`);
    limits[key] = value;
  }
  return limits;
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
