import net from 'node:net';

/**
 * A lean HTTP/1.1 keep-alive client for the simulated OsmAnd devices: a pool
 * of sockets, one request in flight on each, requests written as one
 * preformatted string and answers parsed just enough to get the status and
 * body. Node's http.Agent costs the simulator ~20-30 µs a request (bench
 * profile); the platform must be measured at tens of thousands of records a
 * second with the simulator on the same two cores, so every microsecond the
 * simulator spends is one the platform does not get. What the platform sees
 * is ordinary HTTP/1.1 with keep-alive, as phones send it.
 */

export interface HttpAnswer {
  status: number;
  body: string;
}

type Done = (err: Error | undefined, answer?: HttpAnswer) => void;

interface Pending {
  head: string;
  body: Buffer | undefined;
  done: Done;
  timeoutMs: number;
  /** Called when the request is written to a socket: its transmission time (it may have waited for a free socket). */
  onSent: (() => void) | undefined;
  /** Jumps the queue: a phone's alarm never waits behind another phone's replay; only the pool's sharing of sockets would make it. */
  urgent: boolean;
}

export interface RequestOptions {
  timeoutMs: number;
  onSent?: () => void;
  urgent?: boolean;
}

/** Answers bigger than this are a broken peer, not an OsmAnd answer. */
const MAX_ANSWER_BYTES = 64 * 1024;

class PooledSocket {
  private socket: net.Socket | undefined;
  private current: Pending | undefined;
  private buf = '';
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly host: string,
    private readonly port: number,
    private readonly onFree: (s: PooledSocket) => void,
  ) {}

  get busy(): boolean {
    return this.current !== undefined;
  }

  send(p: Pending): void {
    this.current = p;
    this.buf = '';
    if (!this.socket || this.socket.destroyed) this.connect();
    this.timer = setTimeout(() => this.fail(new Error('timeout')), p.timeoutMs);
    p.onSent?.();
    if (p.body) {
      this.socket!.cork();
      this.socket!.write(p.head);
      this.socket!.write(p.body);
      this.socket!.uncork();
    } else this.socket!.write(p.head);
  }

  private connect(): void {
    const s = net.connect({ host: this.host, port: this.port, noDelay: true });
    s.setEncoding('latin1');
    // Events of a socket given up on (destroyed after a failure) must not touch the next request.
    s.on('data', (chunk: string) => {
      if (this.socket === s) this.onData(chunk);
    });
    s.on('error', (err) => {
      if (this.socket === s) this.fail(err);
    });
    s.on('close', () => {
      if (this.socket !== s) return;
      this.socket = undefined;
      this.fail(new Error('connection closed'));
    });
    this.socket = s;
  }

  private onData(chunk: string): void {
    if (!this.current) return;
    this.buf += chunk;
    if (this.buf.length > MAX_ANSWER_BYTES) return this.fail(new Error('answer too large'));
    const headEnd = this.buf.indexOf('\r\n\r\n');
    if (headEnd < 0) return;
    const lenMatch = /\r\ncontent-length:\s*(\d+)/i.exec(this.buf.slice(0, headEnd));
    const len = lenMatch ? Number(lenMatch[1]) : 0;
    if (this.buf.length < headEnd + 4 + len) return;
    const status = Number(this.buf.slice(9, 12));
    const body = this.buf.slice(headEnd + 4, headEnd + 4 + len);
    const p = this.current;
    this.settle();
    p.done(undefined, { status, body });
    this.onFree(this);
  }

  private settle(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.current = undefined;
    this.buf = '';
  }

  private fail(err: Error): void {
    const p = this.current;
    if (!p) return;
    this.settle();
    // Whatever was half read belongs to a request we gave up on: start the next one on a fresh connection.
    this.socket?.destroy();
    this.socket = undefined;
    p.done(err);
    this.onFree(this);
  }

  close(): void {
    this.socket?.destroy();
    this.socket = undefined;
  }
}

export class HttpPool {
  private readonly free: PooledSocket[] = [];
  private readonly all: PooledSocket[] = [];
  private readonly queue: Pending[] = [];
  private queueHead = 0;
  private readonly urgentQueue: Pending[] = [];

  constructor(
    private readonly host: string,
    private readonly port: number,
    size: number,
  ) {
    for (let i = 0; i < size; i++) {
      const s = new PooledSocket(host, port, (freed) => this.release(freed));
      this.all.push(s);
      this.free.push(s);
    }
  }

  get(path: string, o: RequestOptions, done: Done): void {
    this.submit({ head: `GET ${path} HTTP/1.1\r\nHost: ${this.host}:${this.port}\r\n\r\n`, body: undefined, done, timeoutMs: o.timeoutMs, onSent: o.onSent, urgent: !!o.urgent });
  }

  post(path: string, contentType: string, body: string, o: RequestOptions, done: Done): void {
    const bytes = Buffer.from(body, 'utf8');
    this.submit({
      head: `POST ${path} HTTP/1.1\r\nHost: ${this.host}:${this.port}\r\nContent-Type: ${contentType}\r\nContent-Length: ${bytes.length}\r\n\r\n`,
      body: bytes,
      done,
      timeoutMs: o.timeoutMs,
      onSent: o.onSent,
      urgent: !!o.urgent,
    });
  }

  private submit(p: Pending): void {
    const s = this.free.pop();
    if (s) s.send(p);
    else if (p.urgent) this.urgentQueue.push(p);
    else this.queue.push(p);
  }

  private release(s: PooledSocket): void {
    if (s.busy) return;
    const urgent = this.urgentQueue.shift();
    if (urgent) s.send(urgent);
    else if (this.queueHead < this.queue.length) {
      const next = this.queue[this.queueHead++]!;
      if (this.queueHead > 1024 && this.queueHead * 2 > this.queue.length) {
        this.queue.splice(0, this.queueHead);
        this.queueHead = 0;
      }
      s.send(next);
    } else this.free.push(s);
  }

  close(): void {
    for (const s of this.all) s.close();
    const waiting = [...this.urgentQueue.splice(0), ...this.queue.slice(this.queueHead)];
    this.queue.length = 0;
    this.queueHead = 0;
    for (const p of waiting) p.done(new Error('pool closed'));
  }
}
