import type { Logger } from '../engine/log.ts';
import { BodyTooLargeError, json, listen, readBody, send, trackAbort, uWS, type HttpRequest, type HttpResponse, type Reply } from '../engine/http/uws.ts';
import type { QueryCaps, TelemetryStore } from '../engine/store/telemetry-store.ts';
import { StoreUnavailableError } from '../engine/store/telemetry-store.ts';
import type { KeyRing, Principal } from './auth.ts';
import { ShardUnavailableError, type DeviceStateClient, type DriverStateClient } from './device-state-client.ts';
import { getDriver } from './routes/drivers.ts';
import { mapConfigJson, resolveStaticAsset } from './live-map/static-assets.ts';
import type { LiveHub } from './live-hub.ts';
import { getDevice, getPositions } from './routes/devices.ts';
import { getEvents } from './routes/events.ts';
import { postSql } from './routes/sql.ts';

/**
 * REST, WebSocket and the live map on one uWebSockets.js app (FLEET_HTTP_PORT).
 * Handlers are small and return a Reply; this file owns the uWS rules
 * (abort tracking before any await, corked writes, capped bodies).
 */

export interface ApiDeps {
  keys: KeyRing;
  state: DeviceStateClient;
  drivers: DriverStateClient;
  store: TelemetryStore;
  hub: LiveHub;
  sqlCaps: QueryCaps;
  mapTiles: string | undefined;
  health: () => Promise<{ ok: boolean; detail: Record<string, unknown> }>;
  metrics: () => Promise<{ contentType: string; body: string }>;
  /** Terminates a shard's worker thread as a crash would; the supervisor restarts it. For operators and drills. */
  restartShard: (shard: number) => Promise<boolean>;
  log: Logger;
}

const MAX_JSON_BODY = 256 * 1024;

function authed(deps: ApiDeps, req: HttpRequest): Principal | undefined {
  return deps.keys.fromAuthorizationHeader(req.getHeader('authorization'));
}

function run(res: HttpResponse, deps: ApiDeps, work: () => Promise<Reply>): void {
  const abort = trackAbort(res);
  work()
    .then((reply) => send(res, abort, reply))
    .catch((err: unknown) => {
      if (err instanceof ShardUnavailableError || err instanceof StoreUnavailableError) {
        deps.log.warn({ err: (err as Error).message }, 'dependency unavailable');
        send(res, abort, json(503, { error: (err as Error).message }));
        return;
      }
      deps.log.error({ err: String((err as Error)?.stack ?? err) }, 'request failed');
      send(res, abort, json(500, { error: 'internal error; see the server log' }));
    });
}

export async function startApi(deps: ApiDeps, host: string, port: number): Promise<{ port: number; close(): void }> {
  const app = uWS.App();

  app.get('/health', (res) => run(res, deps, async () => {
    const h = await deps.health();
    return json(h.ok ? 200 : 503, { status: h.ok ? 'ok' : 'degraded', ...h.detail });
  }));

  app.get('/metrics', (res) => run(res, deps, async () => {
    const m = await deps.metrics();
    return { status: 200, body: m.body, contentType: m.contentType };
  }));

  app.get('/map-config.json', (res) => {
    send(res, { aborted: false }, { status: 200, body: mapConfigJson(deps.mapTiles), contentType: 'application/json' });
  });

  app.get('/v1/devices/:id', (res, req) => {
    const p = authed(deps, req);
    const id = req.getParameter(0) ?? '';
    run(res, deps, async () => (p ? getDevice(p, id, deps.state) : unauthorized()));
  });

  app.get('/v1/devices/:id/positions', (res, req) => {
    const p = authed(deps, req);
    const id = req.getParameter(0) ?? '';
    const query = req.getQuery() ?? '';
    run(res, deps, async () => (p ? getPositions(p, id, query, deps.state, deps.store) : unauthorized()));
  });

  app.get('/v1/devices/:id/events', (res, req) => {
    const p = authed(deps, req);
    const id = req.getParameter(0) ?? '';
    const query = req.getQuery() ?? '';
    run(res, deps, async () => (p ? getEvents(p, id, query, deps.state, deps.store) : unauthorized()));
  });

  app.get('/v1/drivers/:id', (res, req) => {
    const p = authed(deps, req);
    const id = req.getParameter(0) ?? '';
    run(res, deps, async () => (p ? getDriver(p, id, deps.drivers) : unauthorized()));
  });

  app.post('/v1/sql', (res, req) => {
    const p = authed(deps, req);
    if (!p) {
      send(res, { aborted: false }, unauthorized());
      return;
    }
    const body = readBody(res, MAX_JSON_BODY);
    run(res, deps, async () => {
      try {
        return await postSql(p, await body, deps.store, deps.sqlCaps);
      } catch (err) {
        if (err instanceof BodyTooLargeError) return json(413, { error: err.message });
        throw err;
      }
    });
  });

  app.post('/v1/admin/shards/:n/restart', (res, req) => {
    const p = authed(deps, req);
    const n = Number(req.getParameter(0));
    run(res, deps, async () => {
      if (!p?.admin) return unauthorized();
      if (!Number.isInteger(n) || n < 0) return json(400, { error: 'shard must be a whole number' });
      return (await deps.restartShard(n)) ? json(202, { shard: n, restarting: true }) : json(404, { error: `no shard ${n} in this process` });
    });
  });

  deps.hub.attach(app);

  app.any('/v1/*', (res) => send(res, { aborted: false }, json(404, { error: 'no such route' })));

  app.get('/*', (res, req) => {
    const asset = resolveStaticAsset(req.getUrl());
    if (!asset) {
      send(res, { aborted: false }, json(404, { error: 'not found' }));
      return;
    }
    send(res, { aborted: false }, { status: 200, body: asset.body, contentType: asset.contentType, headers: { 'cache-control': 'no-cache' } });
  });

  return listen(app, host, port);
}

function unauthorized(): Reply {
  return { ...json(401, { error: 'missing or invalid API key: send Authorization: Bearer <key>' }), headers: { 'www-authenticate': 'Bearer' } };
}
