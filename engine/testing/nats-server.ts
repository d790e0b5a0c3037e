import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createLogger } from '../log.ts';
import { startManagedNats, type ManagedNats } from '../nats/managed-server.ts';
import { freePort } from './free-port.ts';

/** A real nats-server with JetStream in a temporary folder on a free port, for tests below the platform. */
export async function startTestNats(): Promise<ManagedNats & { cleanup(): Promise<void> }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fleetline-nats-'));
  const nats = await startManagedNats({ dataDir: dir, port: await freePort(), sync: 'default', log: createLogger('test-nats', 'warn') });
  return {
    ...nats,
    cleanup: async () => {
      await nats.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
