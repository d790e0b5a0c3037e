import fs from 'node:fs';
import net from 'node:net';

/**
 * A TCP port free right now on 127.0.0.1 (tests start every service on free ports).
 *
 * The port is picked below the kernel's ephemeral range on purpose. A port the
 * kernel hands out for `listen(0)` comes from the same range as the source
 * ports of outgoing connections, and the suite opens thousands of those (the
 * simulator's devices, NATS and HTTP clients) in parallel workers: between
 * picking a port and the service binding it, an outgoing socket could take it
 * (CI saw "cannot listen on 127.0.0.1:42327"). Below the range only another
 * listener can take it, and this process never hands out the same port twice.
 */

const handedOut = new Set<number>();

function ephemeralLow(): number {
  try {
    const [low] = fs.readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
    return low && Number.isFinite(low) ? low : 32768;
  } catch {
    return 32768;
  }
}

const RANGE_LOW = 15_000;
const rangeHigh = ephemeralLow();

function tryListen(port: number): Promise<number | undefined> {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.unref();
    srv.once('error', () => resolve(undefined));
    srv.listen({ port, host: '127.0.0.1', exclusive: true }, () => {
      const addr = srv.address();
      srv.close(() => resolve(typeof addr === 'object' && addr ? addr.port : undefined));
    });
  });
}

export async function freePort(): Promise<number> {
  if (rangeHigh - RANGE_LOW >= 1000) {
    for (let attempt = 0; attempt < 50; attempt++) {
      const port = RANGE_LOW + Math.floor(Math.random() * (rangeHigh - RANGE_LOW));
      if (handedOut.has(port)) continue;
      if ((await tryListen(port)) === port) {
        handedOut.add(port);
        return port;
      }
    }
  }
  // The machine reserves no room below its ephemeral range: let the kernel choose.
  const port = await tryListen(0);
  if (port === undefined) throw new Error('no free TCP port on 127.0.0.1');
  handedOut.add(port);
  return port;
}
