import WebSocket from 'ws';
import { now } from './stats.ts';

/** A `/v1/live` message as it arrived, before the watcher checks what it holds. */
export interface LiveMessage {
  type?: unknown;
  items?: unknown;
}

/**
 * Holds a `/v1/live` WebSocket subscription for one of the simulator's watch
 * threads: every message is stamped the moment it arrives and handed over
 * parsed (anything that is not JSON is dropped); a connection that drops is
 * reopened a second later. Resolves once subscribed; rejects if the first
 * connection fails. `onTrouble` hears about errors after that.
 */
export function holdLiveSubscription(
  address: string,
  subscribe: Record<string, unknown>,
  onMessage: (m: LiveMessage, at: number) => void,
  onTrouble: (msg: string) => void = () => undefined,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(address);
    let opened = false;
    ws.on('open', () => {
      opened = true;
      ws.send(JSON.stringify({ type: 'subscribe', ...subscribe }));
      resolve();
    });
    ws.on('message', (data: Buffer) => {
      const at = now();
      let m: LiveMessage;
      try {
        m = JSON.parse(data.toString('utf8')) as LiveMessage;
      } catch {
        return;
      }
      onMessage(m, at);
    });
    ws.on('error', (err) => {
      if (!opened) reject(err);
      else onTrouble(`WebSocket error: ${err.message}`);
    });
    ws.on('close', (code) => {
      if (!opened) return;
      onTrouble(`WebSocket closed (${code}); reconnecting`);
      setTimeout(() => void holdLiveSubscription(address, subscribe, onMessage, onTrouble).catch((e: unknown) => onTrouble(`WebSocket reconnect failed: ${String(e)}`)), 1000);
    });
  });
}
