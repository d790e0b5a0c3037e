import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { freePort } from '../testing/free-port.ts';

/** Start-up problems are one clear line naming the cause, then an exit: no stack trace, no retry loop. */

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

function start(env: Record<string, string>): Promise<{ code: number | null; out: string; ms: number }> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'fleetline-startup-'));
  const t0 = Date.now();
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', 'engine/main.ts'],
      { cwd: ROOT, timeout: 60_000, env: { PATH: process.env['PATH'] ?? '', FLEET_DATA_DIR: dataDir, FLEET_DEMO: '0', FLEET_HTTP_PORT: '0', FLEET_OSMAND_PORT: '0', ...env } },
      (err, stdout, stderr) => {
        fs.rmSync(dataDir, { recursive: true, force: true });
        resolve({ code: err ? ((err as { code?: number }).code ?? null) : 0, out: stdout + stderr, ms: Date.now() - t0 });
      },
    );
  });
}

describe('start-up errors', () => {
  it('an unreachable NATS_URL gives one clear error and exit code 1', async () => {
    const port = await freePort();
    const r = await start({ NATS_URL: `nats://127.0.0.1:${port}` });
    expect(r.code).toBe(1);
    expect(r.out).toContain(`cannot reach NATS at nats://127.0.0.1:${port}`);
    expect(r.out.trim().split('\n')).toHaveLength(1);
    expect(r.out).not.toMatch(/^\s+at /m);
  });

  it.each([
    ['FLEET_HTTP_PORT', 'eighty'],
    ['FLEET_SHARDS', '0'],
    ['FLEET_DEMO', 'maybe'],
    ['FLEET_ADMIN_KEY', 'short'],
    ['CLICKHOUSE_URL', 'ftp://example'],
    ['NATS_URL', 'not a url'],
  ])('an invalid %s=%s stops start-up with a message naming the variable', async (name, value) => {
    const r = await start({ [name]: value });
    expect(r.code).toBe(2);
    expect(r.out).toMatch(new RegExp(`^fleetline: cannot start: ${name}=`));
    expect(r.out.trim().split('\n')).toHaveLength(1);
  });
});
