/**
 * A shard's snapshot writes, both ways, against a real nats-server (started
 * here, in a temporary folder):
 *
 *   npx tsx engine/nats/bench-pipelined-publish.ts [--writes 20000] [--rounds 3]
 *
 * The same writes (2 KB, a snapshot's size; 300 in flight at once, a
 * partition's flush) through `kv.put` and through the PipelinedPublisher,
 * alternating, best of `--rounds`. Reported: this process's CPU per write
 * (nats-server is another process) and writes per second, and the ratio of
 * the two ways in this run: the machine is shared, compare ratios.
 */
import { Kvm } from '@nats-io/kv';
import { jetstream, StorageType } from '@nats-io/jetstream';
import { DEFAULT_TENANT, type DeviceId } from '../model/index.ts';
import { SnapshotStore } from '../shard/snapshot-store.ts';
import { startTestNats } from '../testing/nats-server.ts';
import { connectNats } from './connect.ts';
import { PipelinedPublisher } from './pipelined-publish.ts';

const arg = (name: string, dflt: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
};
const WRITES = arg('writes', 20_000);
const ROUNDS = arg('rounds', 3);
const IN_FLIGHT = 300;
const DEVICES = 20_000;

const nats = await startTestNats();
const nc = await connectNats(nats.url, 'bench-pipelined-publish');
try {
  const kv = await new Kvm(jetstream(nc)).create('bench_snapshots', { history: 1, storage: StorageType.File });
  const writes = new PipelinedPublisher(nc);
  const ways = { 'kv.put': new SnapshotStore(kv), pipelined: new SnapshotStore(kv, writes) };
  const snapshot = new Uint8Array(2000).fill(7);

  const run = async (store: SnapshotStore): Promise<void> => {
    for (let i = 0; i < WRITES; i += IN_FLIGHT) {
      const puts: Promise<void>[] = [];
      for (let j = 0; j < IN_FLIGHT && i + j < WRITES; j++) puts.push(store.put(DEFAULT_TENANT, `dev-${(i + j) % DEVICES}` as DeviceId, snapshot));
      await Promise.all(puts);
    }
  };
  const best: Record<string, { cpuUs: number; perS: number }> = {};
  for (const store of Object.values(ways)) await run(store); // warm-up
  for (let round = 0; round < ROUNDS; round++) {
    for (const [name, store] of Object.entries(ways)) {
      const cpu0 = process.cpuUsage();
      const t0 = performance.now();
      await run(store);
      const cpu = process.cpuUsage(cpu0);
      const ms = performance.now() - t0;
      const cpuUs = (cpu.user + cpu.system) / WRITES;
      const perS = (WRITES / ms) * 1000;
      if (!best[name] || cpuUs < best[name].cpuUs) best[name] = { cpuUs, perS };
    }
  }
  console.log(`snapshot writes of 2,000 B, ${IN_FLIGHT} in flight, ${WRITES} a round, best of ${ROUNDS} (nats-server ${nats.version}, Node ${process.version})`);
  for (const [name, b] of Object.entries(best)) console.log(`  ${name.padEnd(10)} ${b.cpuUs.toFixed(1).padStart(6)} µs of this process's CPU a write   ${Math.round(b.perS).toLocaleString('en-US').padStart(8)} writes/s`);
  console.log(`  pipelined / kv.put: ${(best['pipelined']!.cpuUs / best['kv.put']!.cpuUs).toFixed(2)}x the CPU, ${(best['pipelined']!.perS / best['kv.put']!.perS).toFixed(2)}x the writes/s`);
  writes.close();
} finally {
  await nc.close();
  await nats.cleanup();
}
