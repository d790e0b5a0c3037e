import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from './free-port.ts';

/**
 * A real clickhouse-server (Debian's package) in a temporary folder on free
 * ports, for the server path of the store: transport, batching, outages and
 * retries. stop()/start() keep the data folder, for outage drills.
 */

export interface ClickHouseServerProcess {
  url: string;
  httpPort: number;
  stop(): Promise<void>;
  start(): Promise<void>;
  cleanup(): Promise<void>;
}

const BINARIES = ['/usr/sbin/clickhouse-server', '/usr/bin/clickhouse-server', '/usr/bin/clickhouse'];

export function findClickHouseServer(): string | undefined {
  return BINARIES.find((b) => fs.existsSync(b));
}

export async function startClickHouseServer(): Promise<ClickHouseServerProcess> {
  const bin = findClickHouseServer();
  if (!bin) throw new Error('clickhouse-server is not installed (Debian: apt-get install clickhouse-server; .ci/run installs it)');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fleetline-ch-'));
  const httpPort = await freePort();
  const tcpPort = await freePort();
  const interserver = await freePort();
  for (const d of ['data', 'tmp', 'user_files', 'format_schemas']) fs.mkdirSync(path.join(dir, d));
  fs.writeFileSync(
    path.join(dir, 'config.xml'),
    `<?xml version="1.0"?>
<yandex>
  <logger><level>warning</level><log>${dir}/server.log</log><errorlog>${dir}/error.log</errorlog><console>0</console></logger>
  <http_port>${httpPort}</http_port>
  <tcp_port>${tcpPort}</tcp_port>
  <interserver_http_port>${interserver}</interserver_http_port>
  <listen_host>127.0.0.1</listen_host>
  <path>${dir}/data/</path>
  <tmp_path>${dir}/tmp/</tmp_path>
  <user_files_path>${dir}/user_files/</user_files_path>
  <format_schema_path>${dir}/format_schemas/</format_schema_path>
  <users_config>users.xml</users_config>
  <default_profile>default</default_profile>
  <default_database>default</default_database>
  <mark_cache_size>5368709</mark_cache_size>
</yandex>
`,
  );
  fs.writeFileSync(
    path.join(dir, 'users.xml'),
    `<?xml version="1.0"?>
<yandex>
  <profiles><default><max_memory_usage>2000000000</max_memory_usage></default></profiles>
  <users><default><password></password><networks><ip>127.0.0.1</ip><ip>::1</ip></networks><profile>default</profile><quota>default</quota></default></users>
  <quotas><default><interval><duration>3600</duration><queries>0</queries><errors>0</errors><result_rows>0</result_rows><read_rows>0</read_rows><execution_time>0</execution_time></interval></default></quotas>
</yandex>
`,
  );
  const url = `http://127.0.0.1:${httpPort}`;
  let child: ChildProcess | undefined;

  const start = async () => {
    const args = bin.endsWith('/clickhouse') ? ['server', `--config-file=${dir}/config.xml`] : [`--config-file=${dir}/config.xml`];
    child = spawn(bin, args, { cwd: dir, stdio: 'ignore' });
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
      if (child.exitCode !== null) break;
      try {
        const r = await fetch(`${url}/?query=SELECT%201`);
        if (r.ok) return;
      } catch {
        // not yet
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    let tail = '';
    try {
      tail = fs.readFileSync(path.join(dir, 'error.log'), 'utf8').slice(-2000);
    } catch {
      // none
    }
    throw new Error(`clickhouse-server did not answer on ${url}: ${tail}`);
  };
  const stop = async () => {
    const c = child;
    if (!c || c.exitCode !== null || c.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      const t = setTimeout(() => c.kill('SIGKILL'), 10_000);
      c.once('exit', () => {
        clearTimeout(t);
        resolve();
      });
      c.kill('SIGTERM');
    });
  };
  await start();
  return {
    url,
    httpPort,
    start,
    stop,
    cleanup: async () => {
      await stop();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
