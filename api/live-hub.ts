import type { NatsConnection, Subscription } from '@nats-io/transport-node';
import { z } from 'zod';
import type { DeviceView } from '../actors/device-view.ts';
import type { TemplatedApp, WebSocket } from '../engine/http/uws.ts';
import type { Logger } from '../engine/log.ts';
import { unpack } from '../engine/model/index.ts';
import { RecentIdFilter } from '../engine/model/recent-id-filter.ts';
import { EVENTS_ALL, LIVE_ALL } from '../engine/nats/subjects.ts';
import { DerivedEventSchema, type DerivedEvent } from '../actors/derived-event.ts';
import { detach, intern } from '../actors/sample.ts';
import type { KeyRing, Principal } from './auth.ts';

/**
 * WebSocket `/v1/live`: clients subscribe to the fleet, a device or an area and
 * receive `{"type":"positions","items":[...]}`, and for the fleet or a device
 * `{"type":"events","items":[...]}` (derived events, critical ones included). Updates are coalesced per client
 * (latest state per device) and flushed on a short tick; a slow client whose
 * socket buffer is full simply gets the newest state later, never an unbounded queue.
 *
 * A critical event (panic, crash) does not wait for the tick: it goes out on
 * the next turn of the loop. Every event is shown once: the urgent lane
 * publishes an alarm the moment it arrives and the device's actor publishes
 * the same event (same id) when the bulk lane reaches the record, minutes
 * later in a reconnect storm, and a redelivered batch publishes its events
 * again. JetStream's duplicate window keeps such copies out of FLEET_EVENTS,
 * but a subscription on the subject sees every publish.
 */

const FLUSH_EVERY_MS = 40;
/** Above this many bytes buffered for a client we hold its updates (coalesced) until it drains. */
const MAX_BUFFERED_BYTES = 1 << 20;
const MAX_ITEMS_PER_MESSAGE = 2000;
const MAX_DEVICE_SUBSCRIPTIONS = 10_000;

const AreaSchema = z.object({
  minLat: z.number().min(-90).max(90),
  minLon: z.number().min(-180).max(180),
  maxLat: z.number().min(-90).max(90),
  maxLon: z.number().min(-180).max(180),
});

const ClientMessageSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('auth'), key: z.string().max(512) }),
  z.object({
    type: z.literal('subscribe'),
    fleet: z.boolean().optional(),
    deviceId: z.string().max(64).optional(),
    deviceIds: z.array(z.string().max(64)).max(MAX_DEVICE_SUBSCRIPTIONS).optional(),
    area: AreaSchema.optional(),
    /** false: derived events only (an alarm console, an integrator), no position updates. */
    positions: z.boolean().optional(),
  }),
  z.object({
    type: z.literal('unsubscribe'),
    fleet: z.boolean().optional(),
    deviceId: z.string().max(64).optional(),
    area: z.boolean().optional(),
  }),
]);

interface Client {
  principal: Principal | undefined;
  fleet: boolean;
  devices: Set<string>;
  area: z.infer<typeof AreaSchema> | undefined;
  positions: boolean;
  pending: Map<string, LiveEntry>;
  /** Derived events are not coalesced (each one matters) but capped: past the cap the oldest are dropped and counted. */
  events: DerivedEvent[];
  droppedEvents: number;
  closed: boolean;
}

/**
 * A device's newest state as the hub keeps it: what a subscription's filter
 * reads, and the view's JSON, made once however many clients are sent it.
 * Kept as the view object it was 1.2 KB of the main thread's heap per device,
 * and its strings, decoded as slices of the shard's whole push, could keep that push alive: the
 * main thread's largest heap at 100,000 devices was 435-591 MB in seven bench
 * runs, and 338-373 MB in six with this (2026-12).
 */
interface LiveEntry {
  tenantId: string;
  id: string;
  /** NaN without a position: no area holds it. */
  lat: number;
  lon: number;
  json: string;
}

function liveEntryOf(v: DeviceView): LiveEntry {
  // Strings decoded from a shard's push are slices of the whole push: one kept would hold all of it.
  return { tenantId: intern(v.tenantId), id: detach(v.id), lat: v.position?.lat ?? NaN, lon: v.position?.lon ?? NaN, json: JSON.stringify(v) };
}

/** A `positions` message of views already in JSON. */
function positionsMessage(items: readonly LiveEntry[]): string {
  let body = '';
  for (let i = 0; i < items.length; i++) body += i === 0 ? items[i]!.json : `,${items[i]!.json}`;
  return `{"type":"positions","items":[${body}]}`;
}

const MAX_PENDING_EVENTS = 1000;
/**
 * Event ids remembered to drop copies: between half and all of these, 16 B
 * each. Critical ids get their own filter so a flood of trip and stop events
 * cannot push an alarm out before its bulk-lane copy arrives: 256 k alarms
 * is over ten minutes even at 400 alarms a second, far above any fleet's.
 */
const CRITICAL_EVENT_IDS = 1 << 19;
const OTHER_EVENT_IDS = 1 << 18;

export interface LiveHubStats {
  clients: number;
  pushed: number;
  /** Events not shown again: the same event id was already offered. */
  duplicateEvents: number;
}

export interface LiveHubOptions {
  /** How often coalesced positions and non-critical events go out. */
  flushEveryMs?: number;
}

export class LiveHub {
  private readonly clients = new Set<WebSocket<Client>>();
  /** Latest state per device seen on the live subject: the first screenful for a new subscriber. */
  private readonly latest = new Map<string, LiveEntry>();
  private sub: Subscription | undefined;
  private eventSub: Subscription | undefined;
  private timer: NodeJS.Timeout | undefined;
  private criticalFlush: NodeJS.Immediate | undefined;
  private readonly seenCritical = new RecentIdFilter(CRITICAL_EVENT_IDS);
  private readonly seenOther = new RecentIdFilter(OTHER_EVENT_IDS);
  private readonly flushEveryMs: number;
  readonly stats: LiveHubStats = { clients: 0, pushed: 0, duplicateEvents: 0 };

  constructor(
    private readonly keys: KeyRing,
    private readonly log: Logger,
    options: LiveHubOptions = {},
  ) {
    this.flushEveryMs = options.flushEveryMs ?? FLUSH_EVERY_MS;
  }

  attach(app: TemplatedApp): void {
    app.ws<Client>('/v1/live', {
      maxPayloadLength: 64 * 1024,
      maxBackpressure: 4 * MAX_BUFFERED_BYTES,
      idleTimeout: 120,
      sendPingsAutomatically: true,
      upgrade: (res, req, context) => {
        const query = new URLSearchParams(req.getQuery() ?? '');
        const principal = this.keys.check(query.get('key') ?? undefined) ?? this.keys.fromAuthorizationHeader(req.getHeader('authorization'));
        const client: Client = { principal, fleet: false, devices: new Set(), area: undefined, positions: true, pending: new Map(), events: [], droppedEvents: 0, closed: false };
        res.upgrade(
          client,
          req.getHeader('sec-websocket-key'),
          req.getHeader('sec-websocket-protocol'),
          req.getHeader('sec-websocket-extensions'),
          context,
        );
      },
      open: (ws) => {
        this.clients.add(ws);
        this.stats.clients = this.clients.size;
        const c = ws.getUserData();
        if (c.principal) ws.send(JSON.stringify({ type: 'hello', tenantId: c.principal.tenantId }));
      },
      message: (ws, data) => this.onMessage(ws, Buffer.from(data).toString('utf8')),
      close: (ws) => {
        ws.getUserData().closed = true;
        this.clients.delete(ws);
        this.stats.clients = this.clients.size;
      },
    });
  }

  private onMessage(ws: WebSocket<Client>, text: string): void {
    const c = ws.getUserData();
    let parsed: z.infer<typeof ClientMessageSchema>;
    try {
      const r = ClientMessageSchema.safeParse(JSON.parse(text));
      if (!r.success) {
        ws.send(JSON.stringify({ type: 'error', message: `bad message: ${r.error.issues[0]?.message ?? 'invalid'}` }));
        return;
      }
      parsed = r.data;
    } catch {
      ws.send(JSON.stringify({ type: 'error', message: 'messages are JSON objects with a "type"' }));
      return;
    }
    if (parsed.type === 'auth') {
      c.principal = this.keys.check(parsed.key);
      if (!c.principal) ws.end(4401, 'invalid API key');
      else ws.send(JSON.stringify({ type: 'hello', tenantId: c.principal.tenantId }));
      return;
    }
    if (!c.principal) {
      ws.end(4401, 'invalid API key');
      return;
    }
    if (parsed.type === 'subscribe') {
      if (parsed.fleet) c.fleet = true;
      for (const id of [...(parsed.deviceIds ?? []), ...(parsed.deviceId ? [parsed.deviceId] : [])]) {
        if (c.devices.size < MAX_DEVICE_SUBSCRIPTIONS) c.devices.add(id);
      }
      if (parsed.area) c.area = parsed.area;
      if (parsed.positions !== undefined) c.positions = parsed.positions;
      for (const [key, v] of this.latest) if (this.wants(c, v)) c.pending.set(key, v);
      ws.send(JSON.stringify({ type: 'subscribed', fleet: c.fleet, devices: c.devices.size, area: c.area ?? null, positions: c.positions }));
    } else {
      if (parsed.fleet) c.fleet = false;
      if (parsed.deviceId) c.devices.delete(parsed.deviceId);
      if (parsed.area) c.area = undefined;
    }
  }

  private wants(c: Client, e: LiveEntry): boolean {
    if (!c.positions || !c.principal || (c.principal.tenantId !== e.tenantId && !c.principal.admin)) return false;
    if (c.fleet || c.devices.has(e.id)) return true;
    const a = c.area;
    // NaN (no position) fails every comparison.
    return !!a && e.lat >= a.minLat && e.lat <= a.maxLat && e.lon >= a.minLon && e.lon <= a.maxLon;
  }

  /** Called for every live update, from NATS or in-process. */
  offer(v: DeviceView): void {
    // A view without its ids is nobody's: skipped, and the views pushed with it still go out.
    if (typeof v?.id !== 'string' || typeof v.tenantId !== 'string') return;
    const e = liveEntryOf(v);
    const key = `${e.tenantId}.${e.id}`;
    this.latest.set(key, e);
    for (const ws of this.clients) {
      const c = ws.getUserData();
      if (this.wants(c, e)) c.pending.set(key, e);
    }
  }

  /** A derived event for every client subscribed to its device (or the fleet). */
  offerEvent(e: DerivedEvent): void {
    const seen = e.critical ? this.seenCritical : this.seenOther;
    if (seen.mightContain(e.id)) {
      this.stats.duplicateEvents++;
      return;
    }
    seen.add(e.id);
    let waiting = false;
    for (const ws of this.clients) {
      const c = ws.getUserData();
      if (!c.principal || (c.principal.tenantId !== e.tenantId && !c.principal.admin)) continue;
      if (!c.fleet && !c.devices.has(e.deviceId)) continue;
      c.events.push(e);
      waiting = true;
      if (c.events.length > MAX_PENDING_EVENTS) {
        c.events.shift();
        c.droppedEvents++;
      }
    }
    // One immediate per loop turn however many alarms arrive in it.
    if (waiting && e.critical) this.criticalFlush ??= setImmediate(() => this.flushEvents());
  }

  /** Pending events only (positions keep their tick): what a critical event does not wait for. */
  private flushEvents(): void {
    this.criticalFlush = undefined;
    for (const ws of this.clients) {
      const c = ws.getUserData();
      if (c.closed || c.events.length === 0 || ws.getBufferedAmount() > MAX_BUFFERED_BYTES) continue;
      ws.cork(() => this.sendEvents(ws, c));
    }
  }

  private sendEvents(ws: WebSocket<Client>, c: Client): void {
    const events = c.events;
    c.events = [];
    ws.send(
      JSON.stringify({
        type: 'events',
        items: events.map((e) => ({ ...e.data, id: e.id, type: e.type, deviceId: e.deviceId, time: new Date(e.time).toISOString(), critical: e.critical })),
        ...(c.droppedEvents ? { dropped: c.droppedEvents } : {}),
      }),
    );
    c.droppedEvents = 0;
  }

  private flush(): void {
    for (const ws of this.clients) {
      const c = ws.getUserData();
      if (c.closed || (c.pending.size === 0 && c.events.length === 0)) continue;
      if (ws.getBufferedAmount() > MAX_BUFFERED_BYTES) continue;
      const items = [...c.pending.values()];
      c.pending.clear();
      ws.cork(() => {
        if (c.events.length > 0) this.sendEvents(ws, c);
        for (let i = 0; i < items.length; i += MAX_ITEMS_PER_MESSAGE) {
          ws.send(positionsMessage(items.slice(i, i + MAX_ITEMS_PER_MESSAGE)));
        }
      });
      this.stats.pushed += items.length;
    }
  }

  /** Starts the flush tick and, given a connection, feeds the hub from NATS (otherwise updates come in-process). */
  start(nc?: NatsConnection): void {
    this.timer = setInterval(() => this.flush(), this.flushEveryMs);
    if (nc) this.subscribe(nc);
  }

  private subscribe(nc: NatsConnection): void {
    // Derived events are published to FLEET_EVENTS; a plain subscription sees every publish, copies included.
    this.eventSub = nc.subscribe(EVENTS_ALL);
    void (async () => {
      for await (const m of this.eventSub!) {
        const parsed = DerivedEventSchema.safeParse((() => {
          try {
            return unpack(m.data);
          } catch {
            return undefined;
          }
        })());
        if (parsed.success) this.offerEvent(parsed.data);
      }
    })();
    this.sub = nc.subscribe(LIVE_ALL);
    void (async () => {
      for await (const m of this.sub!) {
        try {
          // Shards push `{ views }` per partition and tenant (coalesced); a single view is an older shard's push.
          const v = unpack(m.data) as { views?: DeviceView[] } | DeviceView;
          if ('views' in v && Array.isArray(v.views)) for (const view of v.views) this.offer(view);
          else this.offer(v as DeviceView);
        } catch (err) {
          this.log.warn({ subject: m.subject, err: String(err) }, 'unreadable live update');
        }
      }
    })();
  }

  stop(): void {
    this.sub?.unsubscribe();
    this.eventSub?.unsubscribe();
    if (this.timer) clearInterval(this.timer);
    if (this.criticalFlush) clearImmediate(this.criticalFlush);
    for (const ws of this.clients) ws.end(1001, 'server stopping');
  }
}
