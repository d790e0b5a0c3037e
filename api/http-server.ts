import type { Logger } from '../engine/log.ts';
import { BodyTooLargeError, json, listen, readBody, send, trackAbort, uWS, type HttpRequest, type HttpResponse, type Reply } from '../engine/http/uws.ts';
import type { QueryCaps, TelemetryStore } from '../engine/store/telemetry-store.ts';
import { StoreUnavailableError } from '../engine/store/telemetry-store.ts';
import type { KeyRing, Principal } from './auth.ts';
import { ShardUnavailableError, type DeviceStateClient, type DriverStateClient } from './device-state-client.ts';
import { getDriver } from './routes/drivers.ts';
import { deleteGeofence, listGeofences, patchDevice, putGeofence } from './routes/settings.ts';
import type { KV } from '@nats-io/kv';
import type { DeviceRegistry } from '../engine/registry/device-registry.ts';
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
  registry: DeviceRegistry;
  geofences: KV;
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

  /** A route that needs a key: copies what it needs from the request (uWS invalidates it after the handler returns). */
  const keyed = (handler: (p: Principal, param: string, query: string) => Promise<Reply>) => (res: HttpResponse, req: HttpRequest) => {
    const p = authed(deps, req);
    const param = req.getParameter(0) ?? '';
    const query = req.getQuery() ?? '';
    run(res, deps, async () => (p ? handler(p, param, query) : unauthorized()));
  };
  /** The same, for routes with a JSON body (read with a cap, attached before any await). */
  const keyedWithBody = (handler: (p: Principal, param: string, body: Buffer) => Promise<Reply>) => (res: HttpResponse, req: HttpRequest) => {
    const p = authed(deps, req);
    const param = req.getParameter(0) ?? '';
    if (!p) {
      send(res, { aborted: false }, unauthorized());
      return;
    }
    const body = readBody(res, MAX_JSON_BODY);
    run(res, deps, async () => {
      try {
        return await handler(p, param, await body);
      } catch (err) {
        if (err instanceof BodyTooLargeError) return json(413, { error: err.message });
        throw err;
      }
    });
  };

  app.get('/v1/devices/:id', keyed((p, id) => getDevice(p, id, deps.state)));
  app.get('/v1/devices/:id/positions', keyed((p, id, q) => getPositions(p, id, q, deps.state, deps.store)));
  app.get('/v1/devices/:id/events', keyed((p, id, q) => getEvents(p, id, q, deps.state, deps.store)));
  app.patch('/v1/devices/:id', keyedWithBody((p, id, body) => patchDevice(p, id, body, deps.registry)));
  app.get('/v1/geofences', keyed((p) => listGeofences(p, deps.geofences)));
  app.put('/v1/geofences/:id', keyedWithBody((p, id, body) => putGeofence(p, id, body, deps.geofences)));
  app.del('/v1/geofences/:id', keyed((p, id) => deleteGeofence(p, id, deps.geofences)));
  app.get('/v1/drivers/:id', keyed((p, id) => getDriver(p, id, deps.drivers)));
  app.post('/v1/sql', keyedWithBody((p, _none, body) => postSql(p, body, deps.store, deps.sqlCaps)));
  app.post(
    '/v1/admin/shards/:n/restart',
    keyed(async (p, n) => {
      if (!p.admin) return json(403, { error: 'restarting a shard needs the admin key' });
      const shard = Number(n);
      if (!Number.isInteger(shard) || shard < 0) return json(400, { error: 'shard must be a whole number' });
      return (await deps.restartShard(shard)) ? json(202, { shard, restarting: true }) : json(404, { error: `no shard ${shard} in this process` });
    }),
  );

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
