import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';

/**
 * The only module that reads process.env. Every variable is validated once at
 * start-up; an invalid value stops the platform with a message naming it.
 */

const port = (def: number) =>
  z.coerce.number({ message: 'must be a port number' }).int().min(0).max(65535).default(def);

const flag = (def: boolean) =>
  z
    .enum(['0', '1', 'true', 'false', 'on', 'off', 'yes', 'no'], { message: 'must be 0/1, true/false, on/off' })
    .default(def ? '1' : '0')
    .transform((v) => v === '1' || v === 'true' || v === 'on' || v === 'yes');

const url = (protocols: string[]) =>
  z
    .string()
    .url({ message: 'must be a URL' })
    .refine((u) => protocols.some((p) => u.startsWith(`${p}://`)), {
      message: `must start with ${protocols.map((p) => `${p}://`).join(' or ')}`,
    });

export const EnvSchema = z.object({
  FLEET_DATA_DIR: z.string().min(1).default('./data'),
  FLEET_HOST: z.string().min(1).default('0.0.0.0'),
  FLEET_HTTP_PORT: port(8080),
  FLEET_OSMAND_PORT: port(5055),
  FLEET_TELTONIKA_PORT: port(5027),
  FLEET_GT06_PORT: port(5023),
  FLEET_ADMIN_KEY: z.string().min(16, 'must be at least 16 characters').max(256).optional(),
  FLEET_SHARDS: z.coerce.number({ message: 'must be a whole number' }).int().min(1).max(256).optional(),
  FLEET_PARTITIONS: z.coerce.number({ message: 'must be a whole number' }).int().min(1).max(4096).default(64),
  FLEET_DEMO: flag(true),
  FLEET_DEMO_DEVICES: z.coerce.number({ message: 'must be a whole number' }).int().min(1).max(100_000).default(300),
  FLEET_OFFLINE_AFTER_S: z.coerce.number({ message: 'must be a number of seconds' }).int().min(1).default(300),
  FLEET_MAP_TILES: z.string().min(1).optional(),
  FLEET_SNAPSHOT_EVERY_MS: z.coerce.number({ message: 'must be milliseconds' }).int().min(50).max(600_000).default(30_000),
  FLEET_INGEST_LINGER_MS: z.coerce.number({ message: 'must be milliseconds' }).int().min(0).max(1000).default(10),
  FLEET_PASSIVATE_AFTER_S: z.coerce.number({ message: 'must be a number of seconds' }).int().min(1).default(3600),
  FLEET_HIBERNATE_AFTER_S: z.coerce.number({ message: 'must be a number of seconds (0: never)' }).int().min(0).max(86_400).default(0),
  FLEET_MAX_ATTEMPTS: z.coerce.number({ message: 'must be a whole number' }).int().min(1).max(100).default(5),
  FLEET_TCP_MAX_PER_ADDRESS: z.coerce.number({ message: 'must be a whole number' }).int().min(1).max(1_000_000).default(1024),
  FLEET_REPLAY_HOLD_PACKETS: z.coerce.number({ message: 'must be a whole number' }).int().min(0).max(1_000_000).default(256),
  FLEET_INTAKE_STALL_MS: z.coerce.number({ message: 'must be milliseconds' }).int().min(5).max(10_000).default(25),
  FLEET_SHARD_NICE: z.coerce.number({ message: 'must be a nice value, 0-19' }).int().min(0).max(19).default(0),
  FLEET_NATS_PORT: port(4222),
  FLEET_NATS_SYNC: z.enum(['always', 'default']).default('always'),
  FLEET_NATS_PROCS: z.coerce.number({ message: 'must be a whole number' }).int().min(1).max(1024).optional(),
  FLEET_NATS_MONITOR_PORT: z.coerce.number({ message: 'must be a port number' }).int().min(1).max(65535).optional(),
  FLEET_NATS_PROF_PORT: z.coerce.number({ message: 'must be a port number' }).int().min(1).max(65535).optional(),
  FLEET_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  FLEET_SQL_MAX_ROWS: z.coerce.number().int().min(1).max(10_000_000).default(100_000),
  FLEET_SQL_MAX_SECONDS: z.coerce.number().min(1).max(3600).default(30),
  FLEET_ROLES: z
    .string()
    .regex(/^(adapters|engine|store|api)(,(adapters|engine|store|api))*$/, 'must be a comma list of adapters, engine, store, api')
    .default('adapters,engine,store,api'),
  FLEET_REGISTRY_MODE: z.enum(['auto', 'strict']).default('auto'),
  NATS_URL: url(['nats', 'tls', 'ws', 'wss']).optional(),
  CLICKHOUSE_URL: url(['http', 'https']).optional(),
});

export type Env = z.infer<typeof EnvSchema>;

/** Half the machine's cores, at least one. */
const halfTheCores = (cores: number): number => Math.max(1, Math.floor(cores / 2));
/**
 * FLEET_NATS_PROCS when unset: half the cores, but two wherever there are
 * two. With one Go processor an alarm's publish waits for its turn behind
 * the goroutines storing bulk batches. Two reconnect-storm pairs on 2 cores
 * (same hour): alarms' p99 40.1 and 40.8 ms with two against 158 and 119 ms
 * with one (their in-platform leg 18.5 and 17.9 against 139.8 and 74.5 ms),
 * for a backlog drained about a tenth slower (14.4-15.4k against
 * 16.4-17.5k records/s). Steady 20,000 devices stayed under its 250 ms p99
 * either way (175.6 ms with one; 181.8-237.1 ms in three runs with two) at
 * about the same CPU per record.
 */
export const defaultNatsProcs = (cores = os.availableParallelism()): number => Math.min(cores, Math.max(2, halfTheCores(cores)));
/**
 * FLEET_SHARDS when unset. Not one per core: the adapters' thread, the main
 * thread (store, API) and nats-server are busy beside the shards. On 2 cores,
 * one shard instead of two cut the platform's CPU per record from 836/890 to
 * 733/700 µs at steady 6,000 devices, and from 702 to 480 µs at steady 20,000
 * (runs alternated, same hour). A reconnect storm, where the actors do most
 * of the work, drained slower on one.
 */
export const defaultShards = (cores = os.availableParallelism()): number => halfTheCores(cores);

export interface FleetConfig {
  dataDir: string;
  host: string;
  httpPort: number;
  osmandPort: number;
  teltonikaPort: number;
  gt06Port: number;
  adminKey: string | undefined;
  shards: number;
  partitions: number;
  demo: boolean;
  demoDevices: number;
  offlineAfterMs: number;
  mapTiles: string | undefined;
  snapshotEveryMs: number;
  /** Least time between two record batches of one partition from an adapter (adapters/ingest/record-publisher.ts). */
  ingestLingerMs: number;
  passivateAfterMs: number;
  /** A quiet live actor keeps its context as bytes after this long (actors/hibernation.ts); 0 (the default): never. */
  hibernateAfterMs: number;
  maxAttempts: number;
  /** Device connections accepted from one IP address (a NAT'd APN puts many trackers behind one). */
  tcpMaxPerAddress: number;
  /** Decoded replay packets allowed to wait for the intake before new replays wait as bytes; 0: never hold. */
  replayHoldPackets: number;
  /** Longest event-loop stall of the adapters' thread the intake governor lets pass before it paces replayed records. */
  intakeStallMs: number;
  /** Nice value of the shards' threads (FLEET_SHARD_NICE); 0: the same priority as every other thread. */
  shardNice: number;
  natsPort: number;
  natsSync: 'always' | 'default';
  /**
   * Cores the managed nats-server may run Go code on at once (GOMAXPROCS):
   * half the machine by default, the rest is the platform's.
   */
  natsProcs: number;
  /** The managed nats-server's monitoring endpoint (/varz, /jsz, /connz) on 127.0.0.1; none when unset. */
  natsMonitorPort: number | undefined;
  /** Its Go profiling endpoint (/debug/pprof/profile) on 127.0.0.1; none when unset. */
  natsProfPort: number | undefined;
  logLevel: Env['FLEET_LOG_LEVEL'];
  sqlMaxRows: number;
  sqlMaxSeconds: number;
  natsUrl: string | undefined;
  clickhouseUrl: string | undefined;
  /** Which roles this process runs; all by default, one each when scaling out. */
  roles: Set<Role>;
  registryMode: 'auto' | 'strict';
}

export type Role = 'adapters' | 'engine' | 'store' | 'api';

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(
    readonly variable: string,
    readonly value: string | undefined,
    readonly reason: string,
  ) {
    super(`${variable}=${value === undefined ? '(unset)' : JSON.stringify(value)} is invalid: ${reason}`);
  }
}

/** Empty strings count as unset, as shells and compose files often produce them. */
function cleaned(env: NodeJS.ProcessEnv): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key of Object.keys(EnvSchema.shape)) {
    const v = env[key];
    if (v !== undefined && v.trim() !== '') out[key] = v.trim();
  }
  return out;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): FleetConfig {
  const raw = cleaned(env);
  const parsed = EnvSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const variable = String(issue.path[0] ?? 'environment');
    throw new ConfigError(variable, raw[variable], issue.message);
  }
  const e = parsed.data;
  return {
    dataDir: path.resolve(e.FLEET_DATA_DIR),
    host: e.FLEET_HOST,
    httpPort: e.FLEET_HTTP_PORT,
    osmandPort: e.FLEET_OSMAND_PORT,
    teltonikaPort: e.FLEET_TELTONIKA_PORT,
    gt06Port: e.FLEET_GT06_PORT,
    adminKey: e.FLEET_ADMIN_KEY,
    shards: e.FLEET_SHARDS ?? defaultShards(),
    partitions: e.FLEET_PARTITIONS,
    demo: e.FLEET_DEMO,
    demoDevices: e.FLEET_DEMO_DEVICES,
    offlineAfterMs: e.FLEET_OFFLINE_AFTER_S * 1000,
    mapTiles: e.FLEET_MAP_TILES,
    snapshotEveryMs: e.FLEET_SNAPSHOT_EVERY_MS,
    ingestLingerMs: e.FLEET_INGEST_LINGER_MS,
    passivateAfterMs: e.FLEET_PASSIVATE_AFTER_S * 1000,
    hibernateAfterMs: e.FLEET_HIBERNATE_AFTER_S * 1000,
    maxAttempts: e.FLEET_MAX_ATTEMPTS,
    tcpMaxPerAddress: e.FLEET_TCP_MAX_PER_ADDRESS,
    replayHoldPackets: e.FLEET_REPLAY_HOLD_PACKETS,
    intakeStallMs: e.FLEET_INTAKE_STALL_MS,
    shardNice: e.FLEET_SHARD_NICE,
    natsPort: e.FLEET_NATS_PORT,
    natsSync: e.FLEET_NATS_SYNC,
    natsProcs: e.FLEET_NATS_PROCS ?? defaultNatsProcs(),
    natsMonitorPort: e.FLEET_NATS_MONITOR_PORT,
    natsProfPort: e.FLEET_NATS_PROF_PORT,
    logLevel: e.FLEET_LOG_LEVEL,
    sqlMaxRows: e.FLEET_SQL_MAX_ROWS,
    sqlMaxSeconds: e.FLEET_SQL_MAX_SECONDS,
    natsUrl: e.NATS_URL,
    clickhouseUrl: e.CLICKHOUSE_URL,
    roles: new Set(e.FLEET_ROLES.split(',') as Role[]),
    registryMode: e.FLEET_REGISTRY_MODE,
  };
}

/** Every setting with where it came from, printed once at start. */
export function describeConfig(env: NodeJS.ProcessEnv = process.env): string[] {
  const raw = cleaned(env);
  const parsed = EnvSchema.parse(raw);
  return Object.keys(EnvSchema.shape).map((key) => {
    const value = (parsed as Record<string, unknown>)[key];
    const shown = key === 'FLEET_ADMIN_KEY' && value !== undefined ? '(set)' : value === undefined ? '(unset)' : String(value);
    return `${key}=${shown}${key in raw ? '' : ' (default)'}`;
  });
}
