import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

/** docker-compose.yml is checked by Debian's docker-compose (no engine needed), as deployers will. */

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

describe('docker-compose.yml', () => {
  it('is valid and wires the platform to NATS and ClickHouse with the contract variable names', async () => {
    const { stdout } = await promisify(execFile)('docker-compose', ['-f', 'docker-compose.yml', 'config'], { cwd: ROOT });
    expect(stdout).toMatch(/^\s+nats:/m);
    expect(stdout).toMatch(/^\s+clickhouse:/m);
    expect(stdout).toMatch(/NATS_URL: nats:\/\/nats:4222/);
    expect(stdout).toMatch(/CLICKHOUSE_URL: http:\/\/clickhouse:8123/);
    for (const port of ['8080', '5055', '5027', '5023']) expect(stdout).toContain(port);
  });
});
