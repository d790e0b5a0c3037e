import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import type { Logger } from '../log.ts';

/**
 * The embedded-defaults NATS: a `nats-server -js` child with its store under
 * the data folder. It stops with the platform; a child orphaned by a `kill -9`
 * of the platform is found through its pid file and stopped at the next start.
 */

export class NatsUnavailableError extends Error {
  override readonly name = 'NatsUnavailableError';
}

export interface ManagedNats {
  url: string;
  version: string;
  /** Whether `sync_interval: always` is in force (nats-server 2.10+ only). */
  syncAlways: boolean;
  storeDir: string;
  stop(): Promise<void>;
}

const SEARCH_DIRS = ['/usr/sbin', '/usr/bin', '/usr/local/bin', '/usr/local/sbin'];

export function findNatsServer(): string | undefined {
  const dirs = [...(process.env['PATH'] ?? '').split(path.delimiter), ...SEARCH_DIRS];
  for (const d of dirs) {
    const p = path.join(d, 'nats-server');
    try {
      fs.accessSync(p, fs.constants.X_OK);
      return p;
    } catch {
      // keep looking
    }
  }
  return undefined;
}

function installWithApt(log: Logger): string | undefined {
  const isRoot = process.getuid?.() === 0;
  if (!isRoot || !fs.existsSync('/etc/debian_version')) return undefined;
  log.info('nats-server not found: installing the Debian package (apt-get install nats-server)');
  try {
    execFileSync('apt-get', ['install', '-y', '-qq', 'nats-server'], { stdio: 'ignore', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  } catch {
    execFileSync('apt-get', ['update', '-qq'], { stdio: 'ignore' });
    execFileSync('apt-get', ['install', '-y', '-qq', 'nats-server'], { stdio: 'ignore', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  }
  return findNatsServer();
}

export function natsServerVersion(bin: string): string {
  const out = execFileSync(bin, ['--version'], { encoding: 'utf8' });
  const m = /v?(\d+\.\d+\.\d+)/.exec(out);
  return m?.[1] ?? '0.0.0';
}

function atLeast(version: string, major: number, minor: number): boolean {
  const [a = 0, b = 0] = version.split('.').map(Number);
  return a > major || (a === major && b >= minor);
}

function stopStaleServer(pidFile: string, log: Logger): void {
  let pid: number;
  try {
    pid = Number(fs.readFileSync(pidFile, 'utf8').trim());
  } catch {
    return;
  }
  if (!Number.isInteger(pid) || pid <= 1) return;
  try {
    const cmd = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    if (!cmd.includes('nats-server')) return;
  } catch {
    return;
  }
  log.warn({ pid }, 'stopping a nats-server left running by an earlier run of the platform');
  try {
    // SIGTERM lets it flush and close its store cleanly; SIGKILL only if it hangs.
    process.kill(pid, 'SIGTERM');
  } catch {
    return;
  }
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline && fs.existsSync(`/proc/${pid}`)) {
    const st = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(' ')[2];
    if (st === 'Z') break;
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 50);
  }
  try {
    if (fs.existsSync(`/proc/${pid}`)) process.kill(pid, 'SIGKILL');
  } catch {
    // gone
  }
}

async function waitForPort(port: number, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new NatsUnavailableError(`nats-server exited with code ${child.exitCode}`);
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect({ port, host: '127.0.0.1' }, () => {
        s.destroy();
        resolve(true);
      });
      s.on('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new NatsUnavailableError(`nats-server did not listen on port ${port} within ${timeoutMs} ms`);
}

export async function startManagedNats(opts: {
  dataDir: string;
  port: number;
  sync: 'always' | 'default';
  /**
   * GOMAXPROCS of the server; the Go default is every core. Fewer leave
   * cores to the platform's threads (FLEET_NATS_PROCS: defaultNatsProcs in
   * engine/config says how many and why).
   */
  procs?: number;
  /**
   * Its monitoring (/varz, /jsz...) and Go profiling (/debug/pprof) endpoints,
   * on 127.0.0.1 only: what an operator or the bench reads to see where
   * nats-server's time goes (bench/README.md).
   */
  monitorPort?: number | undefined;
  profPort?: number | undefined;
  log: Logger;
}): Promise<ManagedNats> {
  const bin = findNatsServer() ?? installWithApt(opts.log);
  if (!bin) {
    throw new NatsUnavailableError(
      'nats-server is not installed: install it (Debian/Ubuntu: sudo apt-get install nats-server) or point NATS_URL at a running server',
    );
  }
  const version = natsServerVersion(bin);
  const storeDir = path.join(opts.dataDir, 'nats');
  fs.mkdirSync(storeDir, { recursive: true });
  const pidFile = path.join(storeDir, 'nats-server.pid');
  const logFile = path.join(storeDir, 'nats-server.log');
  stopStaleServer(pidFile, opts.log);

  // sync_interval exists from 2.10; 2.9 rejects the field, so it is only written where it is understood.
  const syncAlways = opts.sync === 'always' && atLeast(version, 2, 10);
  const conf = [
    `host: 127.0.0.1`,
    `port: ${opts.port}`,
    `pid_file: ${JSON.stringify(pidFile)}`,
    `log_file: ${JSON.stringify(logFile)}`,
    `max_payload: 8MB`,
    ...(opts.monitorPort ? [`http: "127.0.0.1:${opts.monitorPort}"`] : []),
    ...(opts.profPort ? [`prof_port: ${opts.profPort}`] : []),
    `jetstream {`,
    `  store_dir: ${JSON.stringify(storeDir)}`,
    ...(syncAlways ? ['  sync_interval: always'] : []),
    `}`,
  ].join('\n');
  const confFile = path.join(storeDir, 'nats-server.conf');
  fs.writeFileSync(confFile, conf + '\n');

  let current: ChildProcess | undefined;
  let stopping = false;
  let restarts = 0;

  const launch = async (): Promise<void> => {
    // Its own process group: a Ctrl-C in the terminal reaches the platform, which
    // then stops NATS last, after the shards and the store have drained.
    const env = opts.procs ? { ...process.env, GOMAXPROCS: String(opts.procs) } : process.env;
    const child = spawn(bin, ['-c', confFile], { stdio: ['ignore', 'ignore', 'pipe'], detached: true, env });
    current = child;
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => {
      stderr = (stderr + d.toString()).slice(-4000);
    });
    try {
      await waitForPort(opts.port, child, 15_000);
    } catch (err) {
      child.kill('SIGKILL');
      let tail = stderr;
      try {
        tail += fs.readFileSync(logFile, 'utf8').split('\n').slice(-8).join('\n');
      } catch {
        // no log yet
      }
      throw new NatsUnavailableError(`${(err as Error).message}${tail ? `; its last words: ${tail.trim()}` : ''}`);
    }
    // A managed server that dies under us is started again: the clients reconnect on their own.
    child.once('exit', (code, signal) => {
      if (stopping) return;
      restarts++;
      const delay = Math.min(5000, 200 * restarts);
      opts.log.error({ code, signal, restarts, delayMs: delay }, 'managed nats-server exited; starting it again');
      setTimeout(() => {
        if (stopping) return;
        launch().catch((e: unknown) => opts.log.error({ err: String(e) }, 'managed nats-server did not come back'));
      }, delay);
    });
  };
  await launch();
  const url = `nats://127.0.0.1:${opts.port}`;
  opts.log.info({ url, version, storeDir, syncAlways, procs: opts.procs ?? 'all', monitorPort: opts.monitorPort, profPort: opts.profPort }, 'managed nats-server started');
  return {
    url,
    version,
    syncAlways,
    storeDir,
    stop: () =>
      new Promise<void>((resolve) => {
        stopping = true;
        const child = current;
        if (!child || child.exitCode !== null || child.signalCode !== null) return resolve();
        const t = setTimeout(() => child.kill('SIGKILL'), 5000);
        child.once('exit', () => {
          clearTimeout(t);
          resolve();
        });
        child.kill('SIGTERM');
      }),
  };
}
