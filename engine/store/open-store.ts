import path from 'node:path';
import { ChdbStore } from './chdb-store.ts';
import { ServerStore } from './server-store.ts';
import type { TelemetryStore } from './telemetry-store.ts';

export function openStore(opts: { clickhouseUrl: string | undefined; dataDir: string }): TelemetryStore {
  return opts.clickhouseUrl ? new ServerStore(opts.clickhouseUrl) : new ChdbStore(path.join(opts.dataDir, 'chdb'));
}
