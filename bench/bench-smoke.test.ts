import { execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import type { BenchResult } from './harness/result.ts';

/**
 * `npm run bench -- smoke` end to end, as a user runs it: the ceiling, the
 * heap measurement, the platform as a process, 200 simulated devices over
 * OsmAnd, Teltonika and GT06 sockets, drain. The JSON is a contract other
 * tools read: every contract field is present with a sane value.
 */

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fleetline-bench-smoke-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function runBench(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', path.join(ROOT, 'bench/cli.ts'), ...args], { cwd: ROOT, timeout: 170_000, maxBuffer: 8 << 20 }, (err, stdout, stderr) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

const latencyOk = (l: { p50: number; p99: number; max: number; count: number } | undefined, name: string) => {
  expect(l, name).toBeDefined();
  expect(l!.count, `${name} count`).toBeGreaterThan(0);
  expect(l!.p50, `${name} p50`).toBeGreaterThan(0);
  expect(l!.p99, `${name} p99 >= p50`).toBeGreaterThanOrEqual(l!.p50);
  expect(l!.max, `${name} max >= p99`).toBeGreaterThanOrEqual(l!.p99);
  expect(l!.max, `${name} max is sane`).toBeLessThan(60_000);
};

/** A process's cores over the result's window (`cpu` also holds the machine's busy cores as a bare number). */
const cores = (res: BenchResult, proc: string): number => (res.cpu[proc] as { cores: number }).cores;

/** Every process below `pid`, with its command line. */
function descendants(pid: number): { pid: number; cmd: string }[] {
  const parentOf = new Map<number, number>();
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      parentOf.set(Number(entry), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // gone meanwhile
    }
  }
  const below = (p: number): boolean => {
    for (let q = parentOf.get(p); q !== undefined && q > 1; q = parentOf.get(q)) if (q === pid) return true;
    return false;
  };
  return [...parentOf.keys()].filter(below).map((p) => {
    let cmd = '';
    try {
      cmd = fs.readFileSync(`/proc/${p}/cmdline`, 'utf8').replace(/\0/g, ' ');
    } catch {
      // gone meanwhile
    }
    return { pid: p, cmd };
  });
}

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.[0] !== 'Z';
  } catch {
    return false;
  }
};

describe('bench smoke', () => {
  it('stops the platform, nats-server and the simulator it started when it is told to stop (SIGTERM to the harness alone), even told twice', async () => {
    const bench = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'bench/cli.ts'), 'steady', '--devices', '200', '--duration', '120', '--ceiling-duration', '0', '--heap-devices', '0', '--out', path.join(dir, 'interrupted.json')], {
      cwd: ROOT,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    await new Promise<void>((resolve, reject) => {
      bench.stderr!.on('data', (d: Buffer) => {
        stderr += d.toString();
        if (stderr.includes('simulator ready')) resolve();
      });
      bench.once('exit', () => reject(new Error(`the bench ended before its simulator was ready:\n${stderr}`)));
    });
    const started = descendants(bench.pid!);
    for (const what of ['engine/main.ts', 'bench/simulate.ts', 'nats-server']) expect(started.some((p) => p.cmd.includes(what)), what).toBe(true);
    const exited = new Promise<number | null>((resolve) => bench.once('exit', (code) => resolve(code)));
    bench.kill('SIGTERM');
    // And a Ctrl-C on top while it stops: the stop goes on to the end.
    await new Promise((r) => setTimeout(r, 20));
    bench.kill('SIGINT');
    expect(await exited).toBe(130);
    const deadline = Date.now() + 15_000;
    while (started.some((p) => alive(p.pid)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    expect(started.filter((p) => alive(p.pid)).map((p) => p.cmd.slice(0, 120))).toEqual([]);
    expect(stderr).toContain('SIGTERM: stopping the simulator and the platform');
    expect(stderr).toContain('SIGINT: still stopping what the bench started');
    expect(fs.existsSync(path.join(dir, 'interrupted.json'))).toBe(false);
  }, 120_000);

  it('runs the smoke scenario end to end and writes the contract JSON, a chart and a table', async () => {
    const out = path.join(dir, 'smoke.json');
    const r = await runBench(['smoke', '--out', out, '--quiet']);
    expect(r.code, r.stderr.slice(-3000)).toBe(0);
    const res = JSON.parse(fs.readFileSync(out, 'utf8')) as BenchResult;

    expect(res.scenario).toBe('smoke');
    expect(res.devices).toBe(200);
    expect(res.liveActors).toBeGreaterThan(100);
    expect(res.liveActors).toBeLessThanOrEqual(200);
    expect(res.recordsPerS.acked).toBeGreaterThan(0);
    expect(res.recordsPerS.processed).toBeGreaterThan(0);
    expect(res.recordsPerS.stored).toBeGreaterThan(0);
    expect(res.ceiling.recordsPerS).toBeGreaterThan(0);
    expect(res.ratio).toBeGreaterThan(0);
    expect(res.ratio).toBeCloseTo(res.recordsPerS.stored / res.ceiling.recordsPerS, 2);
    // Every shard flushes its dirty actors once per FLEET_SNAPSHOT_EVERY_MS, staggered over the window.
    expect(res.snapshotsPerRecord).toBeGreaterThan(0);
    expect(res.costPerRecord.platformPerSimulatorCpu).toBeCloseTo(cores(res, 'platform') / cores(res, 'simulator'), 1);
    latencyOk(res.latencyMs['deviceToAck'], 'deviceToAck');
    latencyOk(res.latencyMs['deviceToWs'], 'deviceToWs');
    latencyOk(res.latencyMs['critical'], 'critical');
    // Where an operator sees alarms: the WebSocket, each alarm once (both lanes publish it).
    latencyOk(res.latencyMs['criticalToWs'], 'criticalToWs');
    expect(res.counts['criticalEventsOnWs']).toBeGreaterThan(0);
    expect(res.counts['alarmsRepeatedOnWs']).toBe(0);
    expect(res.heapPerActorBytes).toBeGreaterThan(500);
    expect(res.rssBytes).toBeGreaterThan(20 << 20);

    // after the drain, the store holds exactly what the devices had acknowledged
    expect(res.drained).toBe(true);
    expect(res.counts['acked']).toBeGreaterThan(100);
    expect(res.counts['stored']).toBe(res.counts['acked']);
    expect(res.storedEqualsAcked).toBe(true);
    // every protocol took part, unless its listener was missing (then the result says so)
    for (const p of ['osmand', 'teltonika', 'gt06']) {
      if (res.mix[p]! > 0) expect(res.counts[`acked.${p}`], p).toBeGreaterThan(0);
      else expect(res.notes.join('\n')).toContain(p);
    }
    expect(res.timeline.length).toBeGreaterThan(10);
    expect(fs.readFileSync(out.replace(/\.json$/, '.svg'), 'utf8')).toContain('<svg');
    expect(r.stdout).toContain('device -> WebSocket');
    expect(r.stdout).toContain('raw JetStream ceiling');
  }, 180_000);

  it('says clearly what is wrong with bad flags', async () => {
    const r = await runBench(['steady', '--devices', 'many']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--devices must be a number, got "many"');
    const u = await runBench(['nonsense']);
    expect(u.code).toBe(2);
    expect(u.stderr).toContain('unknown scenario "nonsense"');
    const f = await runBench(['smoke', '--bogus']);
    expect(f.code).toBe(2);
    expect(f.stderr).toMatch(/Unknown option '--bogus'[\s\S]*known flags: .*--devices/);
  }, 60_000);
});
