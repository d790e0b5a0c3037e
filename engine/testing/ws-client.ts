import WebSocket from 'ws';

/** A test WebSocket client that records every JSON message and can wait for one matching a predicate. */
export class TestWsClient {
  readonly messages: Record<string, unknown>[] = [];
  closeCode: number | undefined;
  private readonly ws: WebSocket;
  private waiters: { pred: (m: Record<string, unknown>) => boolean; resolve: (m: Record<string, unknown>) => void }[] = [];

  private constructor(url: string) {
    this.ws = new WebSocket(url);
    this.ws.on('message', (data) => {
      const m = JSON.parse(data.toString()) as Record<string, unknown>;
      this.messages.push(m);
      this.waiters = this.waiters.filter((w) => {
        if (!w.pred(m)) return true;
        w.resolve(m);
        return false;
      });
    });
    this.ws.on('close', (code) => {
      this.closeCode = code;
    });
  }

  static async connect(url: string): Promise<TestWsClient> {
    const c = new TestWsClient(url);
    await new Promise<void>((resolve, reject) => {
      c.ws.once('open', () => resolve());
      c.ws.once('error', reject);
    });
    return c;
  }

  send(m: unknown): void {
    this.ws.send(JSON.stringify(m));
  }

  waitFor(pred: (m: Record<string, unknown>) => boolean, timeoutMs = 15_000): Promise<Record<string, unknown>> {
    const seen = this.messages.find(pred);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`no matching WebSocket message in ${timeoutMs} ms; got ${JSON.stringify(this.messages).slice(-1500)}`)), timeoutMs);
      this.waiters.push({ pred, resolve: (m) => { clearTimeout(t); resolve(m); } });
    });
  }

  waitForClose(timeoutMs = 5000): Promise<number> {
    if (this.closeCode !== undefined) return Promise.resolve(this.closeCode);
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error('socket not closed')), timeoutMs);
      this.ws.once('close', (code) => { clearTimeout(t); resolve(code); });
    });
  }

  close(): void {
    this.ws.close();
  }
}

/** Finds a device's item in a `positions` push. */
export function itemOf(m: Record<string, unknown>, id: string): { id: string; online: boolean; position: { lat: number; lon: number; speed: number; time: string } } | undefined {
  if (m['type'] !== 'positions') return undefined;
  return (m['items'] as { id: string; online: boolean; position: { lat: number; lon: number; speed: number; time: string } }[]).find((i) => i.id === id);
}
