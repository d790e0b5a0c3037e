/**
 * When the adapters' thread decodes what device sockets delivered. Node reads
 * every readable socket in one poll phase and, left alone, each connection
 * decodes its bytes (frames, records, ids) right there: in a reconnect storm
 * hundreds of sockets carry 50-record replay packets at once and one poll
 * phase ran for tens to hundreds of milliseconds, while a panic alarm on
 * another socket waited for its turn to be read.
 *
 * So a poll phase decodes inline only for DECODE_BUDGET_MS; past that, bytes
 * wait here and are decoded in later turns, a budget at a time, small chunks
 * first (live packets, heartbeats and alarms are a few hundred bytes, replay
 * packets kilobytes): an alarm arriving behind a storm waits for one budget,
 * not for the storm. A connection's own chunks keep their order: it waits in
 * one queue at a time, placed by the size of its oldest chunk.
 */

/** Work per turn, ms (as engine/scheduling/turn-budget.ts gives backlog loops). */
const DECODE_BUDGET_MS = 4;
/** A chunk this small is a live packet, an answer or an alarm; bigger ones are replays. */
const SMALL_CHUNK_BYTES = 1024;

/** A connection with bytes waiting to be decoded. */
export interface DecodeOwner {
  /** Size of its oldest waiting chunk, or undefined when none is left. */
  nextChunkBytes(): number | undefined;
  /** Decodes its oldest waiting chunk. */
  decodeNext(): void;
}

export class DecodeScheduler {
  private readonly small: DecodeOwner[] = [];
  private readonly large: DecodeOwner[] = [];
  private phaseStartedAt = 0;
  private inPhase = false;
  private draining = false;
  readonly stats = { inline: 0, deferred: 0 };

  constructor(
    private readonly budgetMs = DECODE_BUDGET_MS,
    private readonly smallBytes = SMALL_CHUNK_BYTES,
    private readonly now: () => number = () => performance.now(),
    private readonly nextTurn: (fn: () => void) => void = (fn) => setImmediate(fn),
  ) {}

  /**
   * True when a chunk that just arrived may be decoded at once: nothing waits
   * here and this turn has not used its budget. The turn is the poll phase the
   * first caller is in; it ends with the next check phase.
   */
  mayDecodeNow(): boolean {
    if (!this.inPhase) {
      this.inPhase = true;
      this.phaseStartedAt = this.now();
      this.nextTurn(() => (this.inPhase = false));
    }
    const ok = this.small.length === 0 && this.large.length === 0 && this.now() - this.phaseStartedAt < this.budgetMs;
    if (ok) this.stats.inline++;
    return ok;
  }

  /**
   * The owner has a chunk waiting (its first, or its oldest is now this size): it is queued once.
   * `first`: ahead of everything, whatever its size: a connection whose own alarm waits behind
   * replay bytes it held (replay-hold.ts) goes next, and its alarm then queues as the small chunk it is.
   */
  enqueue(owner: DecodeOwner, first = false): void {
    const bytes = owner.nextChunkBytes();
    if (bytes === undefined) return;
    this.stats.deferred++;
    if (first) this.small.unshift(owner);
    else (bytes <= this.smallBytes ? this.small : this.large).push(owner);
    if (!this.draining) {
      this.draining = true;
      this.nextTurn(() => this.drain());
    }
  }

  get waiting(): number {
    return this.small.length + this.large.length;
  }

  private drain(): void {
    const started = this.now();
    // At least one chunk a turn, however small the budget: the queue always moves.
    do {
      const owner = this.small.shift() ?? this.large.shift();
      if (!owner) break;
      owner.decodeNext();
      const next = owner.nextChunkBytes();
      if (next !== undefined) (next <= this.smallBytes ? this.small : this.large).push(owner);
    } while (this.now() - started < this.budgetMs);
    if (this.small.length + this.large.length > 0) this.nextTurn(() => this.drain());
    else this.draining = false;
  }
}

/** One per thread: every listener's connections share the thread's poll phase. */
export const threadDecodeScheduler = new DecodeScheduler();
