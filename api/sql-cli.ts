import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from '../engine/config/config.ts';
import type { JsonResult } from '../engine/store/telemetry-store.ts';

/**
 * `npm run sql -- "<query>"`: a read-only query against the running platform
 * (through POST /v1/sql, so the platform's own read-only settings and caps
 * apply), printed as a table. Finds the platform the way `npm start` set it up:
 * FLEET_HTTP_PORT and the admin key in FLEET_DATA_DIR, unless --url/--key say otherwise.
 */

const USAGE = 'usage: npm run sql -- [--url http://host:8080] [--key KEY] [--json] "<SQL query>"';

function fail(msg: string, code = 1): never {
  process.stderr.write(`${msg}\n`);
  process.exit(code);
}

let args;
try {
  args = parseArgs({
    allowPositionals: true,
    options: { url: { type: 'string' }, key: { type: 'string' }, json: { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h' } },
  });
} catch (err) {
  fail(`${(err as Error).message}\n${USAGE}`, 2);
}
if (args.values.help) fail(USAGE, 0);
const query = args.positionals.join(' ').trim();
if (!query) fail(USAGE, 2);

let config;
try {
  config = loadConfig();
} catch (err) {
  if (err instanceof ConfigError) fail(err.message, 2);
  throw err;
}
const url = args.values.url ?? `http://127.0.0.1:${config.httpPort}`;
let key = args.values.key ?? config.adminKey;
if (!key) {
  try {
    key = fs.readFileSync(path.join(config.dataDir, 'admin-key'), 'utf8').trim();
  } catch {
    fail(`no admin key: pass --key, set FLEET_ADMIN_KEY, or run from the folder where the platform keeps ${config.dataDir}/admin-key`);
  }
}

let res: Response;
try {
  res = await fetch(`${url}/v1/sql`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ query }),
  });
} catch (err) {
  fail(`cannot reach the platform at ${url}: ${(err as Error).cause ?? (err as Error).message} (is it running? npm start)`);
}
const body = (await res.json()) as JsonResult | { error: string };
if (!res.ok || 'error' in body) fail(`query refused (${res.status}): ${'error' in body ? body.error : res.statusText}`);

if (args.values.json) {
  process.stdout.write(JSON.stringify(body, null, 2) + '\n');
  process.exit(0);
}

const cols = body.meta.map((m) => m.name);
const cell = (v: unknown) => (v === null || v === undefined ? 'NULL' : typeof v === 'object' ? JSON.stringify(v) : String(v));
const rows = body.data.map((r) => cols.map((c) => cell(r[c])));
const widths = cols.map((c, i) => Math.min(60, Math.max(c.length, ...rows.map((r) => r[i]!.length))));
const line = (vals: string[]) => vals.map((v, i) => (v.length > widths[i]! ? v.slice(0, widths[i]! - 1) + '…' : v.padEnd(widths[i]!))).join(' │ ');
process.stdout.write(`${line(cols)}\n${widths.map((w) => '─'.repeat(w)).join('─┼─')}\n`);
for (const r of rows) process.stdout.write(`${line(r)}\n`);
process.stdout.write(`(${body.rows} row${body.rows === 1 ? '' : 's'})\n`);
