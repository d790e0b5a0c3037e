import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { jetstream, jetstreamManager, type JetStreamClient, type JetStreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { createLogger } from '../log.ts';
import { AckFloors } from '../nats/ack-floors.ts';
import { connectNats } from '../nats/connect.ts';
import { startManagedNats, type ManagedNats } from '../nats/managed-server.ts';
import { ensureTopology, type Topology } from '../nats/topology.ts';
import { STREAM_IN } from '../nats/subjects.ts';
import { freePort } from './free-port.ts';
import { until } from './until.ts';

/**
 * A real nats-server with JetStream in a temporary folder on a free port, for
 * tests below the platform and for outage drills: stop() keeps it down (unlike
 * the platform's managed child, which is restarted), start() brings it back on
 * the same port and store.
 */
export interface TestNats {
  url: string;
  version: string;
  dataDir: string;
  stop(): Promise<void>;
  start(): Promise<void>;
  cleanup(): Promise<void>;
}

export async function startTestNats(): Promise<TestNats> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'fleetline-nats-'));
  const port = await freePort();
  const log = createLogger('test-nats', 'silent');
  let current: ManagedNats | undefined = await startManagedNats({ dataDir, port, sync: 'default', log });
  const first = current;
  return {
    url: first.url,
    version: first.version,
    dataDir,
    stop: async () => {
      await current?.stop();
      current = undefined;
    },
    start: async () => {
      current ??= await startManagedNats({ dataDir, port, sync: 'default', log });
    },
    cleanup: async () => {
      await current?.stop();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * A nats-server restart as the platform lives it: the server comes back on
 * the same store, and the topology is ensured again (which updates every
 * stream). A second apart, as restarts are: nats-server's stream creation
 * times then differ, which ack floors must not go by.
 */
export async function restartLikeThePlatform(t: TestTopology, partitions: number): Promise<void> {
  await t.nats.stop();
  await t.nats.start();
  await until(async () => t.jsm.streams.info(STREAM_IN).then(() => true, () => false));
  await new Promise((r) => setTimeout(r, 1100));
  await ensureTopology(t.nc, t.jsm, partitions);
}

/** A test nats-server with the platform's streams and buckets, and a connection to it. */
export interface TestTopology {
  nats: TestNats;
  nc: NatsConnection;
  js: JetStreamClient;
  jsm: JetStreamManager;
  topology: Topology;
  /** The partition consumers' ack floors, on this connection. */
  ackFloors: AckFloors;
  close(): Promise<void>;
}

export async function startTestTopology(partitions: number): Promise<TestTopology> {
  const nats = await startTestNats();
  const nc = await connectNats(nats.url, 'test');
  const jsm = await jetstreamManager(nc);
  const topology = await ensureTopology(nc, jsm, partitions);
  return {
    nats,
    nc,
    js: jetstream(nc),
    jsm,
    topology,
    ackFloors: new AckFloors(topology.ackFloors, jsm, createLogger('test-floors', 'silent')),
    close: async () => {
      await nc.drain();
      await nats.cleanup();
    },
  };
}

/** A test nats-server and two connections to it as the platform makes them: one that publishes, one that subscribes. */
export interface TestNatsPair {
  nats: TestNats;
  pub: NatsConnection;
  sub: NatsConnection;
  close(): Promise<void>;
}

export async function startTestNatsPair(): Promise<TestNatsPair> {
  const nats = await startTestNats();
  const pub = await connectNats(nats.url, 'test-pub');
  const sub = await connectNats(nats.url, 'test-sub');
  return {
    nats,
    pub,
    sub,
    close: async () => {
      await pub.drain();
      await sub.drain();
      await nats.cleanup();
    },
  };
}
