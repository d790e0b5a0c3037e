import fs from 'node:fs';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { RecordPublisher, type PublisherStats } from '../adapters/ingest/record-publisher.ts';
import { startOsmandListener } from '../adapters/osmand/http-listener.ts';
import { createGt06Session } from '../adapters/gt06/index.ts';
import { startTcpListener } from '../adapters/tcp/index.ts';
import { createTeltonikaSession } from '../adapters/teltonika/index.ts';
import { startTeltonikaUdpListener } from '../adapters/teltonika/udp-listener.ts';
import { KeyRing, loadOrCreateAdminKey } from '../api/auth.ts';
import { DeviceStateClient, DriverStateClient } from '../api/device-state-client.ts';
import { startApi } from '../api/http-server.ts';
import { LiveHub } from '../api/live-hub.ts';
import { createMetrics } from '../api/metrics.ts';
import type { FleetConfig } from './config/config.ts';
import { startDemoFleet } from './demo-fleet.ts';
import type { Logger } from './log.ts';
import { DEFAULT_TENANT, type TelemetryRecord } from './model/index.ts';
import { connectNats } from './nats/connect.ts';
import { startManagedNats, type ManagedNats } from './nats/managed-server.ts';
import { ensureTopology } from './nats/topology.ts';
import { DeviceRegistry } from './registry/device-registry.ts';
import { ShardSupervisor } from './shard/supervisor.ts';
import { openStore } from './store/open-store.ts';
import { StoreSink } from './store/store-sink.ts';
import type { TelemetryStore } from './store/telemetry-store.ts';

/**
 * Every role in one process, on embedded defaults: NATS (managed child or
 * NATS_URL), the store (chDB or CLICKHOUSE_URL) and its sink, the shard
 * supervisor, the device listeners, the API and the demo fleet. Each piece
 * talks to the others only through NATS, so they can be split across
 * processes and nodes later without changing their code.
 */

export interface RunningPlatform {
  config: FleetConfig;
  adminKey: string;
  natsUrl: string;
  managedNats: ManagedNats | undefined;
  ports: { http: number; osmand: number; teltonika: number; gt06: number };
  supervisor: ShardSupervisor;
  stop(): Promise<void>;
}

export async function startPlatform(config: FleetConfig, log: Logger): Promise<RunningPlatform> {
  fs.mkdirSync(config.dataDir, { recursive: true });
  const stops: (() => Promise<void> | void)[] = [];
  const stopAll = async () => {
    for (const s of stops.reverse()) {
      try {
        await s();
      } catch (err) {
        log.warn({ err: String(err) }, 'error while stopping');
      }
    }
  };
  try {
    const admin = loadOrCreateAdminKey(config.dataDir, config.adminKey);

    let managedNats: ManagedNats | undefined;
    let natsUrl = config.natsUrl;
    if (!natsUrl) {
      managedNats = await startManagedNats({ dataDir: config.dataDir, port: config.natsPort, sync: config.natsSync, log });
      stops.push(() => managedNats!.stop());
      natsUrl = managedNats.url;
    }
    const nc: NatsConnection = await connectNats(natsUrl, 'fleetline-main');
    stops.push(() => nc.drain().catch(() => undefined));
    const jsm = await jetstreamManager(nc);
    const topology = await ensureTopology(nc, jsm, config.partitions);
    const js = jetstream(nc);

    const roles = config.roles;
    const needStore = roles.has('store') || roles.has('api');
    const store: TelemetryStore | undefined = needStore ? openStore({ clickhouseUrl: config.clickhouseUrl, dataDir: config.dataDir }) : undefined;
    if (store) {
      stops.push(() => store.close());
      await store.migrate();
    }
    let sink: StoreSink | undefined;
    if (roles.has('store') && store) {
      sink = new StoreSink(js, store, log.child({ role: 'store' }));
      sink.start();
      stops.push(() => sink!.stop());
    }

    const supervisor = new ShardSupervisor({
      shards: roles.has('engine') ? config.shards : 0,
      partitions: config.partitions,
      natsUrl,
      offlineAfterMs: config.offlineAfterMs,
      logLevel: config.logLevel,
      snapshotEveryMs: config.snapshotEveryMs,
      passivateAfterMs: config.passivateAfterMs,
      maxAttempts: config.maxAttempts,
      log: log.child({ role: 'supervisor' }),
    });
    await supervisor.start();
    stops.push(() => supervisor.stop());

    let osmandPort = 0;
    let teltonikaPort = 0;
    let gt06Port = 0;
    let tcpStats: () => Record<string, unknown> = () => ({});
    let ingestStats: () => PublisherStats | undefined = () => undefined;
    if (roles.has('adapters')) {
      const registry = new DeviceRegistry(topology.registry, config.registryMode);
      const publisher = new RecordPublisher(js, { partitions: config.partitions, lingerMs: config.ingestLingerMs });
      stops.push(() => publisher.close());
      ingestStats = () => publisher.stats;
      const osmand = await startOsmandListener({
        host: config.host,
        port: config.osmandPort,
        tenant: DEFAULT_TENANT,
        publisher,
        admission: registry,
        log: log.child({ role: 'adapter' }),
      });
      osmandPort = osmand.port;
      stops.push(() => osmand.close());

      const adapterLog = log.child({ role: 'adapter' });
      const publish = (records: TelemetryRecord[]) => publisher.publish(records);
      const common = { host: config.host, tenant: DEFAULT_TENANT, admission: registry, publish };
      const limits = { maxConnectionsPerAddress: config.tcpMaxPerAddress };
      const teltonika = await startTcpListener({
        ...common,
        port: config.teltonikaPort,
        protocol: 'teltonika',
        limits,
        createSession: (l) => createTeltonikaSession(l),
        log: adapterLog,
      });
      stops.push(() => teltonika.close());
      // Teltonika over UDP listens on the same port number as its TCP listener, by convention.
      const teltonikaUdp = await startTeltonikaUdpListener({ ...common, port: teltonika.port, log: adapterLog });
      stops.push(() => teltonikaUdp.close());
      const gt06 = await startTcpListener({
        ...common,
        port: config.gt06Port,
        protocol: 'gt06',
        limits,
        createSession: (l) => createGt06Session(l),
        log: adapterLog,
      });
      stops.push(() => gt06.close());
      teltonikaPort = teltonika.port;
      gt06Port = gt06.port;
      tcpStats = () => ({ teltonika: teltonika.stats, teltonikaUdp: teltonikaUdp.stats, gt06: gt06.stats });
    }

    let httpPort = 0;
    if (roles.has('api') && store) {
      const keys = new KeyRing(admin.key);
      const hub = new LiveHub(keys, log.child({ role: 'live' }));
      hub.start(nc);
      stops.push(() => hub.stop());
      const metrics = createMetrics({ shards: () => supervisor.shards(), sink: () => sink?.stats, hub: () => hub.stats, ingest: () => ingestStats() });
      const api = await startApi(
        {
          keys,
          state: new DeviceStateClient(nc, config.partitions),
          drivers: new DriverStateClient(nc, config.partitions),
          registry: new DeviceRegistry(topology.registry, config.registryMode),
          geofences: topology.geofences,
          store,
          hub,
          sqlCaps: { maxRows: config.sqlMaxRows, maxSeconds: config.sqlMaxSeconds },
          mapTiles: config.mapTiles,
          log: log.child({ role: 'api' }),
          metrics: async () => ({ contentType: metrics.contentType, body: await metrics.render() }),
          restartShard: (n) => supervisor.crash(n),
          health: async () => {
            const shards = supervisor.shards();
            const natsUp = !nc.isClosed() && nc.info !== undefined;
            const storeUp = await store.ping();
            const shardsUp = shards.every((s) => s.state === 'running');
            return {
              ok: natsUp && storeUp && shardsUp,
              detail: {
                roles: [...roles],
                nats: { connected: natsUp, url: natsUrl, server: nc.info?.version ?? null },
                clickhouse: { up: storeUp, kind: store.kind, lastBatchOk: sink?.stats.storeUp ?? null },
                shards: shards.map((s) => ({ shard: s.shard, state: s.state, restarts: s.restarts, actors: s.stats?.actors ?? 0 })),
                listeners: tcpStats(),
              },
            };
          },
        },
        config.host,
        config.httpPort,
      );
      httpPort = api.port;
      stops.push(() => api.close());
    }

    if (config.demo && roles.has('adapters')) {
      const demo = startDemoFleet({ osmandPort, devices: config.demoDevices, log: log.child({ role: 'demo' }) });
      stops.push(() => demo.stop());
    }

    return {
      config,
      adminKey: admin.key,
      natsUrl,
      managedNats,
      ports: { http: httpPort, osmand: osmandPort, teltonika: teltonikaPort, gt06: gt06Port },
      supervisor,
      stop: stopAll,
    };
  } catch (err) {
    await stopAll();
    throw err;
  }
}
