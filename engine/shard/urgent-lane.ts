import { Worker } from 'node:worker_threads';
import type { Logger } from '../log.ts';
import type { LoopDelay } from '../scheduling/loop-delay.ts';
import type { FromUrgentWorker, UrgentWorkerData } from './urgent-worker.ts';

const ENTRY = new URL('./urgent-entry.mjs', import.meta.url);
const MAX_RESTART_DELAY_MS = 10_000;

export interface UrgentLaneStatus {
  running: boolean;
  restarts: number;
  alarms: number;
  loopDelay: LoopDelay | undefined;
}

/**
 * The urgent lane's thread seen from the supervisor side: started with the
 * node's partitions, restarted with a growing delay if it dies (its consumers
 * resume from their ack floor), stopped gracefully.
 */
export class UrgentLane {
  private worker: Worker | undefined;
  private stopping = false;
  readonly status: UrgentLaneStatus = { running: false, restarts: 0, alarms: 0, loopDelay: undefined };

  constructor(
    private readonly data: UrgentWorkerData,
    private readonly log: Logger,
  ) {}

  start(): Promise<void> {
    const worker = new Worker(ENTRY, { workerData: this.data });
    this.worker = worker;
    return new Promise<void>((resolve, reject) => {
      let ready = false;
      worker.on('message', (m: FromUrgentWorker) => {
        if (m.type === 'ready') {
          ready = true;
          this.status.running = true;
          resolve();
        } else if (m.type === 'stats') {
          this.status.alarms = m.alarms;
          this.status.loopDelay = m.loopDelay;
        }
      });
      worker.on('error', (err) => this.log.error({ err: err.message, stack: err.stack }, 'urgent lane thread crashed'));
      worker.on('exit', (code) => {
        this.status.running = false;
        if (this.worker === worker) this.worker = undefined;
        if (!ready) reject(new Error(`urgent lane thread exited with code ${code} before it was ready`));
        if (this.stopping || !ready) return;
        this.status.restarts++;
        const delay = Math.min(MAX_RESTART_DELAY_MS, 250 * 2 ** Math.min(this.status.restarts, 6));
        this.log.warn({ code, restarts: this.status.restarts, delayMs: delay }, 'restarting the urgent lane thread');
        setTimeout(() => {
          if (!this.stopping) this.start().catch((err: unknown) => this.log.error({ err: String(err) }, 'urgent lane thread did not restart'));
        }, delay);
      });
    });
  }

  async stop(timeoutMs = 5000): Promise<void> {
    this.stopping = true;
    const w = this.worker;
    if (!w) return;
    await new Promise<void>((resolve) => {
      const t = setTimeout(() => void w.terminate().then(() => resolve()), timeoutMs);
      w.on('message', (m: FromUrgentWorker) => {
        if (m.type === 'stopped') {
          clearTimeout(t);
          void w.terminate().then(() => resolve());
        }
      });
      w.on('exit', () => {
        clearTimeout(t);
        resolve();
      });
      w.postMessage({ type: 'stop' });
    });
  }
}
