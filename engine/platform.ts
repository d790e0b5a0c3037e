import fs from 'node:fs';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { AdapterThread } from '../adapters/thread/adapter-thread.ts';
import { KeyRing, loadOrCreateAdminKey } from '../api/auth.ts';
import { DeviceStateClient, DriverStateClient } from '../api/device-state-client.ts';
import { startApi } from '../api/http-server.ts';
import { LiveHub } from '../api/live-hub.ts';
import { createMetrics } from '../api/metrics.ts';
import type { FleetConfig } from './config/config.ts';
import { startDemoFleet } from './demo-fleet.ts';
import type { Logger } from './log.ts';
import { DEFAULT_TENANT } from './model/index.ts';
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
      managedNats = await startManagedNats({
        dataDir: config.dataDir, port: config.natsPort, sync: config.natsSync, procs: config.natsProcs, monitorPort: config.natsMonitorPort, profPort: config.natsProfPort, log,
      });
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
      hibernateAfterMs: config.hibernateAfterMs,
      maxAttempts: config.maxAttempts,
      shardNice: config.shardNice,
      log: log.child({ role: 'supervisor' }),
    });
    await supervisor.start();
    stops.push(() => supervisor.stop());

    let ports = { osmand: 0, teltonika: 0, gt06: 0 };
    let adapters: AdapterThread | undefined;
    if (roles.has('adapters')) {
      adapters = await AdapterThread.start(
        {
          natsUrl,
          host: config.host,
          tenant: DEFAULT_TENANT,
          partitions: config.partitions,
          ingestLingerMs: config.ingestLingerMs,
          registryMode: config.registryMode,
          tcpMaxPerAddress: config.tcpMaxPerAddress,
          replayHoldPackets: config.replayHoldPackets,
          intakeStallMs: config.intakeStallMs,
          ports: { osmand: config.osmandPort, teltonika: config.teltonikaPort, gt06: config.gt06Port },
          logLevel: config.logLevel,
        },
        log.child({ role: 'adapter' }),
      );
      stops.push(() => adapters!.stop());
      ports = adapters.ports;
    }
    const tcpStats = () => adapters?.stats()?.listeners ?? {};

    let httpPort = 0;
    if (roles.has('api') && store) {
      const keys = new KeyRing(admin.key);
      const hub = new LiveHub(keys, log.child({ role: 'live' }));
      hub.start(nc);
      stops.push(() => hub.stop());
      const metrics = createMetrics({ shards: () => supervisor.shards(), sink: () => sink?.stats, hub: () => hub.stats, adapters: () => adapters?.stats(), urgent: () => supervisor.urgentLane() });
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
      const demo = startDemoFleet({ osmandPort: ports.osmand, devices: config.demoDevices, log: log.child({ role: 'demo' }) });
      stops.push(() => demo.stop());
    }

    return {
      config,
      adminKey: admin.key,
      natsUrl,
      managedNats,
      ports: { http: httpPort, ...ports },
      supervisor,
      stop: stopAll,
    };
  } catch (err) {
    await stopAll();
    throw err;
  }
}
