import { Worker } from 'node:worker_threads';
import type { Logger } from '../../engine/log.ts';
import type { AdapterPorts, AdapterStats, AdapterThreadData, FromAdapters, ToAdapters } from './protocol.ts';

const ENTRY = new URL('./thread-entry.mjs', import.meta.url);
const MAX_RESTART_DELAY_MS = 10_000;

/**
 * The adapters' thread seen from the platform: started once its listeners
 * are bound (their ports known), restarted with a growing delay if it dies
 * (devices reconnect and resend what was not acknowledged; a restart keeps
 * the ports it had), stopped gracefully (listeners answer what is in flight).
 */
export class AdapterThread {
  private worker: Worker | undefined;
  private stopping = false;
  private latest: AdapterStats | undefined;
  restarts = 0;
  ports: AdapterPorts = { osmand: 0, teltonika: 0, gt06: 0 };

  private constructor(
    private readonly data: AdapterThreadData,
    private readonly log: Logger,
  ) {}

  static async start(data: AdapterThreadData, log: Logger): Promise<AdapterThread> {
    const t = new AdapterThread(data, log);
    t.ports = await t.spawn(data);
    return t;
  }

  private spawn(data: AdapterThreadData): Promise<AdapterPorts> {
    const worker = new Worker(ENTRY, { workerData: data });
    this.worker = worker;
    return new Promise<AdapterPorts>((resolve, reject) => {
      let ready = false;
      worker.on('message', (m: FromAdapters) => {
        if (m.type === 'stats') this.latest = m.stats;
        else if (m.type === 'ready') {
          ready = true;
          resolve(m.ports);
        } else if (m.type === 'failed') {
          reject(new Error(`device listeners did not start: ${m.message}`));
          void worker.terminate();
        }
      });
      worker.on('error', (err) => this.log.error({ err: err.message, stack: err.stack }, 'adapters thread crashed'));
      worker.on('exit', (code) => {
        if (this.worker === worker) this.worker = undefined;
        if (!ready) {
          reject(new Error(`adapters thread exited with code ${code} before its listeners were up`));
          return;
        }
        if (this.stopping) return;
        this.restarts++;
        const delay = Math.min(MAX_RESTART_DELAY_MS, 250 * 2 ** Math.min(this.restarts, 6));
        this.log.warn({ code, restarts: this.restarts, delayMs: delay }, 'restarting the adapters thread on the same ports');
        setTimeout(() => {
          if (!this.stopping) this.spawn({ ...this.data, ports: this.ports }).catch((err: unknown) => this.log.error({ err: String(err) }, 'adapters thread did not restart'));
        }, delay);
      });
    });
  }

  stats(): AdapterStats | undefined {
    return this.latest;
  }

  /** Terminates the thread as a crash would (drills); it is restarted like a crashed one. */
  async crash(): Promise<void> {
    await this.worker?.terminate();
  }

  async stop(timeoutMs = 15_000): Promise<void> {
    this.stopping = true;
    const w = this.worker;
    if (!w) return;
    await new Promise<void>((resolve) => {
      const t = setTimeout(() => void w.terminate().then(() => resolve()), timeoutMs);
      w.on('message', (m: FromAdapters) => {
        if (m.type === 'stopped') {
          clearTimeout(t);
          void w.terminate().then(() => resolve());
        }
      });
      w.on('exit', () => {
        clearTimeout(t);
        resolve();
      });
      w.postMessage({ type: 'stop' } satisfies ToAdapters);
    });
  }
}
