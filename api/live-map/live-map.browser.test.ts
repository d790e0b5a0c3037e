/**
 * Loads the live map page in headless Chromium against a tiny uWebSockets.js
 * server that speaks the /v1/live protocol, and checks that markers appear and
 * move, that a bad key is reported, and that the page never leaves its origin.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import uWS from 'uWebSockets.js';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launchBrowser } from './browser.ts';
import { MAP_CONFIG_CONTENT_TYPE, mapConfigJson, resolveStaticAsset } from './static-assets.ts';

const GOOD_KEY = 'test';
const SCREENSHOT = '/tmp/fleet-map.png';

interface Conn {
  key: string;
}

interface PositionItem {
  id: string;
  online: boolean;
  lastSeen: string;
  position: { lat: number; lon: number; speed: number; heading: number; time: string };
}

interface TestServer {
  port: number;
  /** key of every /v1/live upgrade, in order */
  upgrades: string[];
  /** paths of every plain HTTP request */
  httpPaths: string[];
  subscribes: number;
  /** value passed to mapConfigJson (what FLEET_MAP_TILES would be) */
  tilesUrl: string | undefined;
  push(message: object): void;
  /** closes every live socket like a restarting server would (code 1012) */
  disconnectAll(): void;
  close(): void;
}

/** Shape of `window.fleetMap`, for casts inside page functions. */
interface FleetMapWindow {
  fleetMap?: {
    markerCount(): number;
    markerIds(): string[];
    markerLatLng(id: string): [number, number] | null;
  };
}

function item(id: string, lat: number, lon: number, speed: number, online = true): PositionItem {
  const time = new Date(Date.now() - 5_000).toISOString();
  return { id, online, lastSeen: time, position: { lat, lon, speed, heading: 90, time } };
}

function startServer(firstBatch: PositionItem[]): Promise<TestServer> {
  const sockets = new Set<uWS.WebSocket<Conn>>();
  const upgrades: string[] = [];
  const httpPaths: string[] = [];
  let subscribes = 0;
  let tilesUrl: string | undefined;
  const app = uWS.App();

  app.ws<Conn>('/v1/live', {
    idleTimeout: 0,
    upgrade: (res, req, context) => {
      const key = req.getQuery('key') ?? '';
      upgrades.push(key);
      res.upgrade<Conn>(
        { key },
        req.getHeader('sec-websocket-key'),
        req.getHeader('sec-websocket-protocol'),
        req.getHeader('sec-websocket-extensions'),
        context,
      );
    },
    open: (ws) => {
      if (ws.getUserData().key !== GOOD_KEY) {
        ws.end(4401, 'invalid API key');
        return;
      }
      sockets.add(ws);
      ws.send(JSON.stringify({ type: 'hello', tenantId: 'default' }));
    },
    message: (ws, message) => {
      const msg = JSON.parse(Buffer.from(message).toString('utf8')) as { type?: unknown; fleet?: unknown };
      if (msg.type === 'subscribe' && msg.fleet === true) {
        subscribes++;
        ws.send(JSON.stringify({ type: 'positions', items: firstBatch }));
      }
    },
    close: (ws) => {
      sockets.delete(ws);
    },
  });

  app.get('/*', (res, req) => {
    const path = req.getUrl();
    httpPaths.push(path);
    if (path === '/map-config.json') {
      res.writeHeader('content-type', MAP_CONFIG_CONTENT_TYPE).end(mapConfigJson(tilesUrl));
      return;
    }
    const asset = resolveStaticAsset(path);
    if (asset === undefined) {
      res.writeStatus('404 Not Found').end('not found');
      return;
    }
    res.writeHeader('content-type', asset.contentType).end(asset.body);
  });

  return new Promise((resolve, reject) => {
    app.listen('127.0.0.1', 0, (listenSocket) => {
      if (listenSocket === false) {
        reject(new Error('uWS listen failed'));
        return;
      }
      resolve({
        port: uWS.us_socket_local_port(listenSocket),
        upgrades,
        httpPaths,
        get subscribes() {
          return subscribes;
        },
        get tilesUrl() {
          return tilesUrl;
        },
        set tilesUrl(value) {
          tilesUrl = value;
        },
        push(message) {
          const text = JSON.stringify(message);
          for (const ws of sockets) ws.send(text);
        },
        disconnectAll() {
          for (const ws of [...sockets]) ws.end(1012, 'restart');
        },
        close() {
          for (const ws of sockets) ws.close();
          sockets.clear();
          uWS.us_listen_socket_close(listenSocket);
        },
      });
    });
  });
}

describe('live map page', () => {
  let server: TestServer;
  let browser: Browser;
  let origin: string;
  const contexts: BrowserContext[] = [];
  /** every URL any page asked for (HTTP requests and WebSockets) */
  const requested: string[] = [];
  const pageErrors: string[] = [];

  function expectSameOrigin(urls: string[]): void {
    expect(urls.length).toBeGreaterThan(0);
    for (const url of urls) {
      const u = new URL(url);
      expect(`${u.protocol}//${u.host}`, url).toMatch(new RegExp(`^(http|ws)://127\\.0\\.0\\.1:${server.port}$`));
    }
  }

  async function openPage(path: string): Promise<Page> {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    contexts.push(context);
    context.on('request', (req) => requested.push(req.url()));
    const page = await context.newPage();
    page.setDefaultTimeout(10_000);
    page.on('websocket', (ws) => requested.push(ws.url()));
    page.on('pageerror', (err) => pageErrors.push(err.message));
    page.on('console', (msg) => {
      if (msg.type() === 'error' || msg.type() === 'warning') pageErrors.push(msg.text());
    });
    await page.goto(origin + path);
    return page;
  }

  beforeAll(async () => {
    server = await startServer([item('dev1', 52.1, 4.3, 42.5)]);
    origin = `http://127.0.0.1:${server.port}`;
    browser = await launchBrowser();
  });

  afterAll(async () => {
    for (const c of contexts) await c.close().catch(() => undefined);
    await browser?.close();
    server?.close();
  });

  it('shows live markers, moves them in place and stays on its own origin', async () => {
    const page = await openPage(`/?key=${GOOD_KEY}`);

    await page.waitForFunction(() => (window as unknown as FleetMapWindow).fleetMap?.markerCount() === 1);
    const first = await page.evaluate(() => (window as unknown as FleetMapWindow).fleetMap!.markerLatLng('dev1'));
    expect(first).not.toBeNull();
    expect(first![0]).toBeCloseTo(52.1, 6);
    expect(first![1]).toBeCloseTo(4.3, 6);
    expect(await page.textContent('#status')).toBe('live · tenant default');
    expect(await page.textContent('#conn-badge')).toBe('live');
    expect(await page.textContent('#device-count')).toBe('1');
    expect(server.subscribes).toBe(1);

    // One coalesced message: dev1 moves, two more devices appear.
    server.push({
      type: 'positions',
      items: [item('dev1', 52.37, 4.9, 61), item('dev2', 51.22, 6.78, 0, false), item('dev3', 50.85, 4.35, 0)],
    });
    await page.waitForFunction(() => {
      const fm = (window as unknown as FleetMapWindow).fleetMap!;
      const ll = fm.markerLatLng('dev1');
      return fm.markerCount() === 3 && ll !== null && Math.abs(ll[0] - 52.37) < 1e-9;
    });
    expect(await page.evaluate(() => (window as unknown as FleetMapWindow).fleetMap!.markerIds())).toEqual([
      'dev1',
      'dev2',
      'dev3',
    ]);
    const moved = await page.evaluate(() => (window as unknown as FleetMapWindow).fleetMap!.markerLatLng('dev1'));
    expect(moved![1]).toBeCloseTo(4.9, 6);
    expect(await page.textContent('#device-count')).toBe('3');
    expect(await page.textContent('#online-count')).toBe('2');
    expect(await page.textContent('#moving-count')).toBe('1');

    // The filter box finds a device and opens its tooltip.
    await page.fill('#find-input', 'DEV2');
    await page.press('#find-input', 'Enter');
    await page.waitForSelector('.leaflet-tooltip .fleet-tip');
    expect(await page.textContent('.leaflet-tooltip')).toContain('dev2');
    expect(await page.textContent('.leaflet-tooltip')).toContain('offline');
    await page.mouse.move(5, 795); // away from the markers
    await page.evaluate(() => document.activeElement instanceof HTMLElement && document.activeElement.blur());

    // Basemap drawn (land + borders canvas in its own pane), then screenshot.
    await page.waitForFunction(() => document.querySelector('.leaflet-basemap-pane canvas') !== null);
    await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
    await page.screenshot({ path: SCREENSHOT });

    // Server errors go to the status bar.
    server.push({ type: 'error', message: 'rate limited' });
    await page.waitForFunction(() => document.getElementById('status')?.textContent === 'server error: rate limited');

    // A dropped connection is re-established (after ~1 s backoff) and re-subscribed; markers stay.
    server.disconnectAll();
    await page.waitForFunction(() => document.getElementById('conn-badge')?.textContent === 'offline');
    await expect.poll(() => server.subscribes, { timeout: 5_000 }).toBe(2);
    await page.waitForFunction(() => document.getElementById('status')?.textContent === 'live · tenant default');
    expect(await page.evaluate(() => (window as unknown as FleetMapWindow).fleetMap!.markerCount())).toBe(3);

    expectSameOrigin(requested);
    const paths = requested.map((u) => new URL(u).pathname);
    expect(paths).toEqual(
      expect.arrayContaining(['/map-config.json', '/basemap/land-110m.json', '/basemap/countries-110m.json', '/v1/live']),
    );
    expect(server.httpPaths.filter((p) => resolveStaticAsset(p) === undefined && p !== '/map-config.json')).toEqual([]);
    expect(pageErrors).toEqual([]);
  });

  it('reports an invalid API key and does not reconnect', async () => {
    const before = server.upgrades.length;
    const page = await openPage('/?key=wrong');
    await page.waitForFunction(() => document.getElementById('status')?.textContent === 'invalid API key');
    expect(await page.isVisible('#key-form')).toBe(true);
    await page.waitForTimeout(1_500); // longer than the first reconnect delay
    expect(server.upgrades.slice(before)).toEqual(['wrong']);
  });

  it('asks for a key when none is known, then connects with it', async () => {
    const page = await openPage('/');
    expect(await page.isVisible('#key-form')).toBe(true);
    expect(await page.textContent('#status')).toBe('API key required');
    await page.fill('#key-input', GOOD_KEY);
    await page.press('#key-input', 'Enter');
    await page.waitForFunction(() => (window as unknown as FleetMapWindow).fleetMap?.markerCount() === 1);
    expect(await page.isVisible('#key-form')).toBe(false);
    expect(await page.evaluate(() => localStorage.getItem('fleetline.apiKey'))).toBe(GOOD_KEY);
  });

  it('adds a tile layer when map-config.json names a tile server', async () => {
    server.tilesUrl = `${origin}/tiles/{z}/{x}/{y}.png`;
    try {
      const page = await openPage(`/?key=${GOOD_KEY}`);
      await page.waitForSelector('.leaflet-tile-pane img.leaflet-tile', { state: 'attached' });
      await expect.poll(() => server.httpPaths.some((p) => /^\/tiles\/\d+\/\d+\/\d+\.png$/.test(p))).toBe(true);
    } finally {
      server.tilesUrl = undefined;
    }
  });

  // Runs last (tests in a file run in order): covers the pages of every test above.
  it('never requested anything from another host', () => {
    expectSameOrigin(requested);
  });
});
