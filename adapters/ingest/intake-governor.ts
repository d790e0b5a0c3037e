import { monitorEventLoopDelay, performance, type EventLoopUtilization, type IntervalHistogram } from 'node:perf_hooks';
import { yieldIfDue } from '../../engine/scheduling/turn-budget.ts';

/**
 * Paces ordinary records into the adapters' thread so that its event loop
 * stays responsive, whatever the devices throw at it. Thousands of devices
 * replaying hours of buffered records would otherwise keep the loop busy for
 * hundreds of milliseconds at a time, and a panic button pressed meanwhile
 * would wait behind them.
 *
 * Every ordinary records packet takes tokens (its record count) before it is
 * normalised; the rate is adjusted every ADJUST_MS from the loop's own delay,
 * its longest one in that time (an alarm arriving during the one long stall
 * waits for all of it): above the stall it lets pass (FLEET_INTAKE_STALL_MS, 25 ms), in a thread busy most of the
 * rest of that time (BUSY_TO_CUT), the pace is set to two thirds of what was actually
 * admitted in that time (cutting an allowance nobody used would change
 * nothing); below half of it, or in a thread mostly idle, the allowance grows
 * by a tenth (by half when the thread idles most of the time). A packet that
 * waits keeps its socket paused, so the device waits for its ACK and sends
 * nothing more meanwhile (store-and-forward: it keeps its records). Critical
 * records (panic, crash) never wait.
 *
 * Only replays wait (a device back from a dead zone sending its buffer): they
 * lose nothing by waiting, the devices hold them. Live packets (records from
 * the last minutes) are never paced, but spend the allowance, so replays
 * wait for them too: in a reconnect storm the vehicles that never lost
 * coverage keep getting their answers in milliseconds instead of queueing
 * behind ten thousand replaying devices. Pacing live records only made them
 * late: at steady load a thread slowed by the rest of the machine (a shard's
 * collection on the other core) had its pace cut below what the fleet sends,
 * and every device waited a second for its ACK until the pace came back.
 */

const ADJUST_MS = 200;
/**
 * The longest stall let pass by default (FLEET_INTAKE_STALL_MS). 40 ms until
 * 2026-12: in the bench's reconnect storm, critical p99 was 49.0 and 61.8 ms
 * at 40 ms, 31.0 and 33.2 ms at 25 ms, the backlog cleared in 201-251 s
 * against 222-226 s. Lower still made no difference in an earlier session
 * (58 ms at 20 ms, before replays were held and alarms spread).
 */
const DEFAULT_STALL_MS = 25;
/**
 * Share of the window the thread was busy below which a stall is not the
 * intake's doing: at steady load the thread idles most of the time and its
 * long stalls are garbage collections, which pacing would not shorten (it
 * only made devices wait: p99 ACK went from ~100 ms to over a second).
 */
const BUSY_TO_CUT = 0.7;
/** Below this much of the window outside its longest stall, the window tells nothing about the intake. */
const MIN_REST_MS = ADJUST_MS / 4;
const MIN_RATE = 500;
const MAX_RATE = 1_000_000;
const BURSTS_PER_S = 100;

export interface GovernorStats {
  /** Records per second currently admitted. */
  rate: number;
  /** Replay packets that had to wait for tokens. */
  throttled: number;
  /** Replay packets waiting now. */
  waitingReplays: number;
  /** Waiters whose device went away (connection closed, request aborted) before their turn: dropped, no tokens spent. */
  abandoned: number;
}

/** A packet waiting for its turn; `gone` says its device stopped waiting for the answer. */
interface Waiter {
  n: number;
  resolve: () => void;
  gone: (() => boolean) | undefined;
}

export class IntakeGovernor {
  private tokens: number;
  private last: number;
  private readonly delay: IntervalHistogram;
  private readonly timer: NodeJS.Timeout;
  /** Replay packets waiting for tokens, in arrival order. */
  private readonly waiting: Waiter[] = [];
  private wake: NodeJS.Timeout | undefined;
  /** Records admitted since windowStart (the adjustment window). */
  private admitted = 0;
  private windowStart: number;
  private elu: EventLoopUtilization = performance.eventLoopUtilization();
  readonly stats: GovernorStats;

  constructor(
    initialRate = 50_000,
    /** Milliseconds, monotonic (tests pass a fake one). */
    private readonly clock: () => number = () => performance.now(),
    /** The longest loop stall let pass before the pace is cut (FLEET_INTAKE_STALL_MS). */
    private readonly stallMs = DEFAULT_STALL_MS,
  ) {
    this.last = this.windowStart = clock();
    this.stats = { rate: initialRate, throttled: 0, waitingReplays: 0, abandoned: 0 };
    this.tokens = initialRate / BURSTS_PER_S;
    this.delay = monitorEventLoopDelay({ resolution: 5 });
    this.delay.enable();
    this.timer = setInterval(() => this.adjust(), ADJUST_MS);
    this.timer.unref();
  }

  /**
   * Resolves when `records` ordinary records may go on: a live packet at
   * once (after the thread's turn), a replay while under the rate, or when its
   * turn comes. `gone`: the device stopped waiting
   * (its connection closed, its request was aborted): when its turn comes the
   * packet is let through without spending the turn. In a storm devices give
   * up after their ACK timeout and send the same records again; their old
   * places in the queue used to be served anyway, so most of the intake's
   * allowance went to answers nobody would read.
   */
  async admit(records: number, live = false, gone?: () => boolean): Promise<void> {
    await yieldIfDue();
    this.refill();
    this.admitted += records;
    if (live) {
      // In debt for at most a second's worth: a burst of live records delays the replays, not for long.
      this.tokens = Math.max(-this.stats.rate, this.tokens - records);
      return;
    }
    if (this.waiting.length === 0 && this.tokens >= records) {
      this.tokens -= records;
      return;
    }
    this.stats.throttled++;
    await new Promise<void>((resolve) => {
      this.waiting.push({ n: records, resolve, gone });
      this.countWaiting();
      this.schedule();
    });
    // Released together, the waiters still take turns with the thread's other work.
    await yieldIfDue();
  }

  private refill(): void {
    const now = this.clock();
    // A burst of at most 1/BURSTS_PER_S of a second's worth: released work arrives in small steps.
    this.tokens = Math.min(this.stats.rate / BURSTS_PER_S, this.tokens + ((now - this.last) / 1000) * this.stats.rate);
    this.last = now;
  }

  private schedule(): void {
    if (this.wake) return;
    const head = this.waiting[0];
    if (!head) return;
    const needMs = Math.max(1, ((Math.min(head.n, this.stats.rate / BURSTS_PER_S) - this.tokens) / this.stats.rate) * 1000);
    this.wake = setTimeout(() => {
      this.wake = undefined;
      this.release();
    }, needMs);
  }

  private release(): void {
    this.refill();
    while (true) {
      const head = this.waiting[0];
      if (!head) break;
      if (head.gone?.()) {
        this.waiting.shift();
        this.stats.abandoned++;
        head.resolve();
        continue;
      }
      // A packet bigger than the burst allowance goes once the allowance is full.
      const need = Math.min(head.n, this.stats.rate / BURSTS_PER_S);
      if (this.tokens < need) break;
      this.tokens -= need;
      this.waiting.shift();
      head.resolve();
    }
    this.countWaiting();
    this.schedule();
  }

  private countWaiting(): void {
    this.stats.waitingReplays = this.waiting.length;
  }

  private adjust(): void {
    const now = this.clock();
    const worst = this.delay.max / 1e6;
    const admittedPerS = (this.admitted / Math.max(1, now - this.windowStart)) * 1000;
    this.delay.reset();
    this.admitted = 0;
    this.windowStart = now;
    const elu = performance.eventLoopUtilization(this.elu);
    this.elu = performance.eventLoopUtilization();
    const r = this.stats.rate;
    // A stall with nothing admitted, or in a thread that was mostly idle (a GC, a burst elsewhere in the
    // thread), is not ours to correct. The stall itself is busy time too: a 100 ms collection in an idle
    // thread made a 200 ms window look 60 % busy, and the cut that followed (to two thirds of what little
    // was admitted meanwhile) left a steady fleet's live records queueing for a second. So the thread must
    // have been busy for most of the rest of the window.
    const busyAside = busyOutsideStall(elu, worst);
    if (worst > this.stallMs && admittedPerS > 0 && busyAside >= BUSY_TO_CUT) {
      this.stats.rate = Math.max(MIN_RATE, Math.round(Math.min(r, admittedPerS) * 0.67));
    } else if (worst < this.stallMs / 2 || busyAside < BUSY_TO_CUT) {
      // A thread idling half the time while packets wait for their turn is paced far too low (after a
      // power-on wave, say): the pace comes back within a second or two, not in tens of seconds.
      const factor = busyAside < BUSY_TO_CUT / 2 ? 1.5 : 1.1;
      this.stats.rate = Math.min(MAX_RATE, Math.round(r * factor + 100));
    }
  }

  close(): void {
    clearInterval(this.timer);
    if (this.wake) clearTimeout(this.wake);
    this.delay.disable();
    for (const w of this.waiting.splice(0)) w.resolve();
    this.countWaiting();
  }
}

/**
 * Share of the window the thread was busy outside its longest stall; a window
 * that was nearly all one stall says nothing about the intake (0).
 */
export function busyOutsideStall(elu: Pick<EventLoopUtilization, 'active' | 'idle'>, stallMs: number): number {
  const stall = Math.min(stallMs, elu.active);
  const rest = elu.active + elu.idle - stall;
  return rest < MIN_REST_MS ? 0 : (elu.active - stall) / rest;
}
