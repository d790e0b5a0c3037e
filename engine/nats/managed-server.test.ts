import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../log.ts';
import { freePort } from '../testing/free-port.ts';
import { startManagedNats, type ManagedNats } from './managed-server.ts';

/** The managed nats-server as the platform starts it: a real child process. */

let nats: ManagedNats | undefined;
let dir: string | undefined;
afterEach(async () => {
  await nats?.stop();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
  nats = dir = undefined;
});

/** The environment the running server was started with, from /proc. */
function serverEnvironment(storeDir: string): Map<string, string> {
  const pid = fs.readFileSync(path.join(storeDir, 'nats-server.pid'), 'utf8').trim();
  const entries = fs.readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').filter(Boolean);
  return new Map(entries.map((e) => [e.slice(0, e.indexOf('=')), e.slice(e.indexOf('=') + 1)]));
}

describe('managed nats-server', () => {
  it('runs Go code on the cores it is given (GOMAXPROCS), and on the Go default when none are', async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fleetline-managed-'));
    const log = createLogger('test', 'silent');
    nats = await startManagedNats({ dataDir: dir, port: await freePort(), sync: 'default', procs: 1, log });
    expect(serverEnvironment(nats.storeDir).get('GOMAXPROCS')).toBe('1');
    await nats.stop();

    nats = await startManagedNats({ dataDir: dir, port: await freePort(), sync: 'default', log });
    expect(serverEnvironment(nats.storeDir).get('GOMAXPROCS')).toBe(process.env['GOMAXPROCS']);
  });

  it('serves its monitoring and profiling endpoints on 127.0.0.1 when given ports, and none by default', async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fleetline-managed-'));
    const log = createLogger('test', 'silent');
    const [monitorPort, profPort] = [await freePort(), await freePort()];
    nats = await startManagedNats({ dataDir: dir, port: await freePort(), sync: 'default', monitorPort, profPort, log });
    const varz = (await (await fetch(`http://127.0.0.1:${monitorPort}/varz`)).json()) as { server_id?: string; jetstream?: unknown };
    expect(varz.server_id).toBeTruthy();
    expect(varz.jetstream).toBeTruthy();
    expect((await fetch(`http://127.0.0.1:${profPort}/debug/pprof/`)).status).toBe(200);
    await nats.stop();

    nats = await startManagedNats({ dataDir: dir, port: await freePort(), sync: 'default', log });
    const conf = fs.readFileSync(path.join(nats.storeDir, 'nats-server.conf'), 'utf8');
    expect(conf).not.toMatch(/http|prof_port/);
  });
});
