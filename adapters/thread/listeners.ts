import type { JetStreamClient } from '@nats-io/jetstream';
import type { KV } from '@nats-io/kv';
import type { Logger } from '../../engine/log.ts';
import type { TelemetryRecord, TenantId } from '../../engine/model/index.ts';
import { DeviceRegistry } from '../../engine/registry/device-registry.ts';
import { createGt06Session } from '../gt06/index.ts';
import { IntakeGovernor } from '../ingest/intake-governor.ts';
import type { AdmitRecords } from '../ingest/intake.ts';
import { RecordPublisher } from '../ingest/record-publisher.ts';
import { ReplayHold } from '../ingest/replay-hold.ts';
import { startOsmandListener } from '../osmand/http-listener.ts';
import { threadDecodeScheduler } from '../tcp/decode-scheduler.ts';
import { startTcpListener } from '../tcp/index.ts';
import { createTeltonikaSession } from '../teltonika/index.ts';
import { startTeltonikaUdpListener } from '../teltonika/udp-listener.ts';
import type { AdapterPorts, AdapterStats, AdapterThreadData } from './protocol.ts';

export interface RunningListeners {
  ports: AdapterPorts;
  stats(): Omit<AdapterStats, 'loopDelay'>;
  close(): Promise<void>;
}

/**
 * Every device listener on one publisher: OsmAnd (HTTP), Teltonika (TCP and
 * UDP on the same port number, by convention) and GT06 (TCP). Runs wherever it
 * is called: in the adapters' thread of the all-in-one platform, or in a
 * process of its own (FLEET_ROLES=adapters).
 */
export async function startListeners(
  o: Omit<AdapterThreadData, 'natsUrl' | 'logLevel'>,
  js: JetStreamClient,
  registryBucket: KV,
  log: Logger,
  urgentJs?: JetStreamClient,
): Promise<RunningListeners> {
  const closers: (() => Promise<void> | void)[] = [];
  const closeAll = async () => {
    for (const c of closers.reverse()) await Promise.resolve(c()).catch(() => undefined);
  };
  try {
    const tenant = o.tenant as TenantId;
    const registry = new DeviceRegistry(registryBucket, o.registryMode);
    const publisher = new RecordPublisher(js, { partitions: o.partitions, lingerMs: o.ingestLingerMs, ...(urgentJs ? { urgentJs } : {}) });
    closers.push(() => publisher.close());
    const governor = new IntakeGovernor(undefined, undefined, o.intakeStallMs);
    closers.push(() => governor.close());
    const admit: AdmitRecords = (records, live, gone) => governor.admit(records, live, gone);
    const replayHold = new ReplayHold(() => governor.stats.waitingReplays, (records, gone) => governor.admit(records, false, gone), o.replayHoldPackets);
    const resent = (id: string) => publisher.resent(id);
    const osmand = await startOsmandListener({ host: o.host, port: o.ports.osmand, tenant, publisher, admission: registry, admit, ...(o.replayHoldPackets > 0 ? { replayHold } : {}), log });
    closers.push(() => osmand.close());

    const publish = (records: TelemetryRecord[]) => publisher.publish(records);
    const urgentNow = (r: TelemetryRecord) => publisher.urgentNow(r);
    const common = { host: o.host, tenant, admission: registry, publish, admit, resent };
    const tcp = { ...common, urgentNow, ...(o.replayHoldPackets > 0 ? { replayHold } : {}) };
    const limits = { maxConnectionsPerAddress: o.tcpMaxPerAddress };
    const teltonika = await startTcpListener({ ...tcp, port: o.ports.teltonika, protocol: 'teltonika', limits, createSession: (l) => createTeltonikaSession(l), log });
    closers.push(() => teltonika.close());
    const teltonikaUdp = await startTeltonikaUdpListener({ ...common, port: teltonika.port, log });
    closers.push(() => teltonikaUdp.close());
    const gt06 = await startTcpListener({ ...tcp, port: o.ports.gt06, protocol: 'gt06', limits, createSession: (l) => createGt06Session(l), log });
    closers.push(() => gt06.close());
    return {
      ports: { osmand: osmand.port, teltonika: teltonika.port, gt06: gt06.port },
      stats: () => ({ listeners: { teltonika: teltonika.stats, teltonikaUdp: teltonikaUdp.stats, gt06: gt06.stats }, ingest: publisher.takeStats(), intake: { ...governor.stats, ...replayHold.stats } }),
      close: closeAll,
    };
  } catch (err) {
    await closeAll();
    throw err;
  }
}
