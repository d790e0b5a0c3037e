import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from './free-port.ts';

/**
 * Starts the real platform (`engine/main.ts`) as a separate process, the way a
 * user does, on free ports in a temporary folder. Tests use it to send real
 * device traffic and to kill the process for crash drills.
 */

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const TEST_ADMIN_KEY = 'test-admin-key-0123456789';

export interface PlatformProcess {
  dataDir: string;
  env: Record<string, string>;
  ports: { http: number; osmand: number; teltonika: number; gt06: number; nats: number };
  key: string;
  http: string;
  osmand: string;
  logs(): string;
  /** Resident memory of the platform process, from /proc. */
  rssBytes(): number;
  /** Graceful stop (SIGTERM) and wait for exit. */
  stop(): Promise<number | null>;
  /** kill -9, as a crash would. */
  kill9(): Promise<void>;
  /** Start again on the same data folder and ports. */
  restart(): Promise<void>;
  /** Remove the data folder and any nats-server left behind. */
  cleanup(): Promise<void>;
}

function waitForBanner(child: ChildProcess, out: { text: string }, timeoutMs: number): Promise<void> {
  const from = out.text.length;
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`platform not ready within ${timeoutMs} ms; output:\n${out.text.slice(-4000)}`)), timeoutMs);
    const check = () => {
      if (out.text.slice(from).includes('Fleetline is running')) {
        clearTimeout(t);
        resolve();
      }
    };
    child.stdout?.on('data', check);
    child.once('exit', (code) => {
      clearTimeout(t);
      reject(new Error(`platform exited with code ${code} before it was ready; output:\n${out.text.slice(-4000)}`));
    });
    check();
  });
}

export async function startPlatformProcess(extraEnv: Record<string, string> = {}, opts: { dataDir?: string } = {}): Promise<PlatformProcess> {
  const dataDir = opts.dataDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'fleetline-test-'));
  const ports = { http: await freePort(), osmand: await freePort(), teltonika: await freePort(), gt06: await freePort(), nats: await freePort() };
  const env: Record<string, string> = {
    FLEET_DATA_DIR: dataDir,
    FLEET_HOST: '127.0.0.1',
    FLEET_HTTP_PORT: String(ports.http),
    FLEET_OSMAND_PORT: String(ports.osmand),
    FLEET_TELTONIKA_PORT: String(ports.teltonika),
    FLEET_GT06_PORT: String(ports.gt06),
    FLEET_NATS_PORT: String(ports.nats),
    FLEET_ADMIN_KEY: TEST_ADMIN_KEY,
    FLEET_DEMO: '0',
    FLEET_SHARDS: '2',
    FLEET_PARTITIONS: '8',
    FLEET_LOG_LEVEL: 'warn',
    ...extraEnv,
  };
  const out = { text: '' };
  let child: ChildProcess;
  const launch = async () => {
    child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'engine/main.ts')], {
      cwd: ROOT,
      env: { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? '/tmp', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const append = (d: Buffer) => {
      out.text += d.toString();
      if (out.text.length > 400_000) out.text = out.text.slice(-200_000);
    };
    child.stdout?.on('data', append);
    child.stderr?.on('data', append);
    await waitForBanner(child, out, 90_000);
  };
  // A port checked free can still be taken by another test's service before the platform binds it:
  // the first start picks new ports and tries again (restarts keep theirs, as a real restart does).
  for (let attempt = 1; ; attempt++) {
    try {
      await launch();
      break;
    } catch (err) {
      const portTaken = /cannot listen on|address already in use|EADDRINUSE/i.test(String(err));
      if (!portTaken || attempt >= 3 || extraEnv['FLEET_HTTP_PORT'] !== undefined) throw err;
      await new Promise<void>((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve() : child.once('exit', () => resolve())));
      for (const name of Object.keys(ports) as (keyof typeof ports)[]) ports[name] = await freePort();
      Object.assign(env, {
        FLEET_HTTP_PORT: String(ports.http),
        FLEET_OSMAND_PORT: String(ports.osmand),
        FLEET_TELTONIKA_PORT: String(ports.teltonika),
        FLEET_GT06_PORT: String(ports.gt06),
        FLEET_NATS_PORT: String(ports.nats),
      }, extraEnv);
      out.text += `\n--- a port was taken; starting again on new ports (attempt ${attempt + 1}) ---\n`;
    }
  }
  const exited = () =>
    new Promise<number | null>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve(child.exitCode);
      child.once('exit', (code) => resolve(code));
    });
  const killNats = () => {
    try {
      const pid = Number(fs.readFileSync(path.join(dataDir, 'nats', 'nats-server.pid'), 'utf8'));
      if (pid > 1) process.kill(pid, 'SIGKILL');
    } catch {
      // not running
    }
  };
  return {
    dataDir,
    env,
    ports,
    key: env['FLEET_ADMIN_KEY']!,
    http: `http://127.0.0.1:${ports.http}`,
    osmand: `http://127.0.0.1:${ports.osmand}`,
    logs: () => out.text,
    rssBytes: () => {
      const status = fs.readFileSync(`/proc/${child.pid}/status`, 'utf8');
      return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0) * 1024;
    },
    stop: async () => {
      child.kill('SIGTERM');
      return exited();
    },
    kill9: async () => {
      child.kill('SIGKILL');
      await exited();
    },
    restart: async () => {
      out.text += '\n--- restart ---\n';
      await launch();
    },
    cleanup: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        await Promise.race([exited(), new Promise((r) => setTimeout(r, 15_000))]);
        child.kill('SIGKILL');
      }
      killNats();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Polls `fn` until it returns a value that is not undefined, or fails after `timeoutMs`. */
export async function eventually<T>(fn: () => Promise<T | undefined>, timeoutMs = 20_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await fn();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
}
