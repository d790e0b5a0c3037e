import { afterEach, describe, expect, it } from 'vitest';
import { WebSocketServer, type WebSocket } from 'ws';
import { SimDevice } from './device.ts';
import { WsObserver } from './observers.ts';
import { now, SimStats, type LatencyKind } from './stats.ts';

let server: WebSocketServer | undefined;
let observer: WsObserver | undefined;
afterEach(async () => {
  observer?.close();
  await new Promise((r) => (server ? server.close(r) : r(undefined)));
});

const busy = (ms: number) => {
  const t = performance.now();
  while (performance.now() - t < ms) {
    // the simulator's loop, held up by its own work
  }
};

describe('WebSocket observer', () => {
  it('times a position from its arrival, not from when the simulator loop gets to it', async () => {
    server = new WebSocketServer({ port: 0, host: '127.0.0.1' });
    await new Promise((r) => server!.once('listening', r));
    const port = (server.address() as { port: number }).port;
    const subscribed = new Promise<WebSocket>((resolve) => server!.on('connection', (ws) => ws.once('message', () => resolve(ws))));

    const device = new SimDevice({ index: 0, id: 'sim-0000001', protocol: 'osmand', seed: 1 });
    const deviceTime = Date.parse('2026-12-07T01:00:00.000Z');
    const stats = new SimStats();
    const seen: [LatencyKind, number][] = [];
    stats.record = (kind, ms) => void seen.push([kind, ms]);
    const errors: string[] = [];
    observer = new WsObserver(`ws://127.0.0.1:${port}/v1/live`, (id) => (id === device.id ? device : undefined), stats, (m) => errors.push(m));
    await observer.start();
    const client = await subscribed;

    device.recent.push({ deviceTime, sentAt: now(), ws: false, actor: false });
    client.send(JSON.stringify({ type: 'positions', items: [{ id: device.id, position: { time: new Date(deviceTime).toISOString() } }, { id: 'unknown', position: null }] }));
    busy(1000);
    const deadline = Date.now() + 5000;
    while (seen.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));

    expect(errors).toEqual([]);
    expect(seen).toHaveLength(1);
    expect(seen[0]![0]).toBe('deviceToWs');
    // Arrived within milliseconds; the second the loop was held is not the platform's.
    expect(seen[0]![1]).toBeLessThan(500);
    expect(stats.counters.wsMessages).toBe(1);
    expect(stats.counters.wsItems).toBe(2);
    expect(device.recent[0]!.ws).toBe(true);
  });
});
