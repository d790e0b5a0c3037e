import { z } from 'zod';
import { isValidIdToken, type DecodedRecord, type DeviceId } from '../../engine/model/index.ts';

/**
 * OsmAnd / Traccar Client requests, pure: (query string, body) -> records or a
 * reason for the 400. Two forms: query parameters (speed in knots) and the
 * newer JSON body (speed in m/s). Parameters we do not map are kept as
 * attributes, never dropped.
 */

export const KNOTS_TO_KMH = 1.852;
export const MS_TO_KMH = 3.6;
/** Caps on what one request may carry: attacker-chosen sizes never drive allocation. */
export const MAX_BODY_BYTES = 64 * 1024;
export const MAX_ATTRIBUTES = 64;
export const MAX_LOCATIONS_PER_REQUEST = 500;
/** Device clocks may run a little fast; anything further in the future is a bad value. */
const MAX_FUTURE_MS = 24 * 3600 * 1000;
const MIN_TIME_MS = Date.UTC(2000, 0, 1);

export type ParseResult = { ok: true; records: DecodedRecord[] } | { ok: false; reason: string };

const MAPPED = new Set([
  'id', 'deviceid', 'timestamp', 'lat', 'lon', 'location', 'speed', 'bearing', 'heading', 'altitude',
  'accuracy', 'hdop', 'batt', 'ignition', 'driverUniqueId', 'alarm', 'motion', 'odometer', 'valid', 'sat',
  'fuel', 'rpm', 'coolantTemp', 'dtcs', 'power', 'temp1', 'temp2', 'temp3', 'temp4',
]);

/** Traccar's attribute keys that OsmAnd-speaking devices and gateways send, mapped into the model. */
function sensorsOf(get: (k: string) => string | undefined): Pick<DecodedRecord, 'engine' | 'probes'> | string {
  const engine: NonNullable<DecodedRecord['engine']> = {};
  for (const [key, field] of [['fuel', 'fuelLevelL'], ['rpm', 'rpm'], ['coolantTemp', 'coolantC'], ['power', 'externalV']] as const) {
    const v = num(get(key), key);
    if (typeof v === 'string') return v;
    if (v !== undefined) engine[field] = v;
  }
  const dtcs = get('dtcs');
  if (dtcs) engine.dtcs = dtcs.split(/[\s,;]+/).filter(Boolean).slice(0, 64).map((c) => c.slice(0, 16));
  const probes: NonNullable<DecodedRecord['probes']> = [];
  for (const key of ['temp1', 'temp2', 'temp3', 'temp4']) {
    const v = num(get(key), key);
    if (typeof v === 'string') return v;
    if (v !== undefined) probes.push({ probe: key, tempC: v });
  }
  return { ...(Object.keys(engine).length ? { engine } : {}), ...(probes.length ? { probes } : {}) };
}

const ALARM_NAMES: Record<string, NonNullable<DecodedRecord['alarms']>[number]> = {
  sos: 'panic', panic: 'panic', crash: 'crash', accident: 'crash', tampering: 'tamper', tamper: 'tamper',
  powercut: 'powerCut', powerCut: 'powerCut', lowbattery: 'lowBattery', lowBattery: 'lowBattery',
  hardBraking: 'harshBraking', braking: 'harshBraking', hardAcceleration: 'harshAcceleration',
  acceleration: 'harshAcceleration', hardCornering: 'harshCornering', cornering: 'harshCornering',
};

function num(v: string | undefined, name: string): number | undefined | string {
  if (v === undefined || v === '') return undefined;
  const n = Number(v);
  if (!Number.isFinite(n)) return `${name} must be a number, got ${JSON.stringify(v.slice(0, 32))}`;
  return n;
}

function bool(v: string | undefined): boolean | undefined {
  if (v === undefined) return undefined;
  if (v === 'true' || v === '1') return true;
  if (v === 'false' || v === '0') return false;
  return undefined;
}

/** Unix seconds, Unix milliseconds or ISO-8601; missing means "now". */
export function parseDeviceTime(v: string | number | undefined, receivedAt: number): number | string {
  if (v === undefined || v === '') return receivedAt;
  let ms: number;
  if (typeof v === 'number' || /^\d+(\.\d+)?$/.test(v)) {
    const n = Number(v);
    ms = n > 1e11 ? Math.round(n) : Math.round(n * 1000);
  } else {
    ms = Date.parse(v.includes('T') || v.includes('Z') ? v : v.replace(' ', 'T') + 'Z');
  }
  if (!Number.isFinite(ms)) return `timestamp ${JSON.stringify(String(v).slice(0, 40))} is not a time`;
  if (ms < MIN_TIME_MS || ms > receivedAt + MAX_FUTURE_MS) {
    return `timestamp ${JSON.stringify(String(v).slice(0, 40))} is outside 2000-01-01 .. now + 1 day`;
  }
  return ms;
}

function checkDeviceId(id: string | undefined): DeviceId | string {
  if (id === undefined || id === '') return 'id is required';
  if (!isValidIdToken(id)) return `id ${JSON.stringify(id.slice(0, 70))} must be 1-64 characters of A-Z a-z 0-9 _ -`;
  return id as DeviceId;
}

function fail(reason: string): ParseResult {
  return { ok: false, reason };
}

export function parseQueryForm(params: URLSearchParams, receivedAt: number): ParseResult {
  const get = (k: string) => params.get(k) ?? undefined;
  const id = checkDeviceId(get('id') ?? get('deviceid'));
  if (typeof id === 'string' && !isValidIdToken(id)) return fail(id);

  let lat = num(get('lat'), 'lat');
  let lon = num(get('lon'), 'lon');
  const location = get('location');
  if (location !== undefined && lat === undefined && lon === undefined) {
    const [a, b] = location.split(',');
    lat = num(a, 'location latitude');
    lon = num(b, 'location longitude');
  }
  const fields = {
    speed: num(get('speed'), 'speed'),
    bearing: num(get('bearing') ?? get('heading'), 'bearing'),
    altitude: num(get('altitude'), 'altitude'),
    accuracy: num(get('accuracy'), 'accuracy'),
    hdop: num(get('hdop'), 'hdop'),
    batt: num(get('batt'), 'batt'),
    odometer: num(get('odometer'), 'odometer'),
    sat: num(get('sat'), 'sat'),
  };
  for (const v of [lat, lon, ...Object.values(fields)]) if (typeof v === 'string') return fail(v);
  const n = fields as Record<keyof typeof fields, number | undefined>;
  if ((lat === undefined) !== (lon === undefined)) return fail('lat and lon must be given together');

  const deviceTime = parseDeviceTime(get('timestamp'), receivedAt);
  if (typeof deviceTime === 'string') return fail(deviceTime);

  const attributes: Record<string, string | number | boolean> = {};
  let extra = 0;
  for (const [k, v] of params) {
    if (MAPPED.has(k)) continue;
    if (++extra > MAX_ATTRIBUTES) return fail(`more than ${MAX_ATTRIBUTES} extra parameters`);
    if (k.length > 64) return fail(`parameter name longer than 64 characters`);
    const asNum = Number(v);
    attributes[k] = v !== '' && Number.isFinite(asNum) ? asNum : v.slice(0, 1024);
  }

  const sensors = sensorsOf(get);
  if (typeof sensors === 'string') return fail(sensors);
  if (n.odometer !== undefined) sensors.engine = { ...sensors.engine, odometerM: n.odometer };

  const alarm = get('alarm');
  const rec: DecodedRecord = {
    deviceId: id as DeviceId,
    protocol: 'osmand',
    deviceTime,
    ...(lat !== undefined && lon !== undefined
      ? {
          position: {
            lat: lat as number,
            lon: lon as number,
            speedKmh: (n.speed ?? 0) * KNOTS_TO_KMH,
            ...(n.bearing !== undefined ? { headingDeg: n.bearing } : {}),
            ...(n.altitude !== undefined ? { altitudeM: n.altitude } : {}),
            ...(n.accuracy !== undefined ? { accuracyM: n.accuracy } : {}),
            ...(n.hdop !== undefined ? { hdop: n.hdop } : {}),
            ...(n.sat !== undefined ? { satellites: n.sat } : {}),
            ...(bool(get('valid')) !== undefined ? { valid: bool(get('valid')) } : {}),
          },
        }
      : {}),
    ...(bool(get('ignition')) !== undefined ? { ignition: bool(get('ignition')) } : {}),
    ...(bool(get('motion')) !== undefined ? { moving: bool(get('motion')) } : {}),
    ...(get('driverUniqueId') ? { driverId: get('driverUniqueId')!.slice(0, 64) } : {}),
    ...sensors,
    ...(alarm && ALARM_NAMES[alarm] ? { alarms: [ALARM_NAMES[alarm]!] } : {}),
    ...(n.batt !== undefined || extra > 0 || (alarm && !ALARM_NAMES[alarm])
      ? {
          attributes: {
            ...attributes,
            ...(n.batt !== undefined ? { batteryPct: n.batt } : {}),
            ...(alarm && !ALARM_NAMES[alarm] ? { alarm } : {}),
          },
        }
      : {}),
  };
  return { ok: true, records: [rec] };
}

const JsonLocationSchema = z.object({
  timestamp: z.union([z.string().max(64), z.number()]).optional(),
  coords: z.object({
    latitude: z.number(),
    longitude: z.number(),
    speed: z.number().nullish(),
    heading: z.number().nullish(),
    altitude: z.number().nullish(),
    accuracy: z.number().nullish(),
  }),
  is_moving: z.boolean().optional(),
  odometer: z.number().nullish(),
  event: z.string().max(64).optional(),
  battery: z.object({ level: z.number().nullish(), is_charging: z.boolean().nullish() }).partial().optional(),
});

const JsonBodySchema = z.object({
  device_id: z.string().max(128),
  location: z.union([JsonLocationSchema, z.array(JsonLocationSchema).min(1).max(MAX_LOCATIONS_PER_REQUEST)]),
});

export function parseJsonForm(body: string, receivedAt: number): ParseResult {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch (err) {
    return fail(`body is not valid JSON: ${(err as Error).message}`);
  }
  const parsed = JsonBodySchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    return fail(`${issue.path.join('.') || 'body'}: ${issue.message}`);
  }
  const id = checkDeviceId(parsed.data.device_id);
  if (!isValidIdToken(id)) return fail(id);
  const locations = Array.isArray(parsed.data.location) ? parsed.data.location : [parsed.data.location];
  const records: DecodedRecord[] = [];
  for (const loc of locations) {
    const deviceTime = parseDeviceTime(loc.timestamp, receivedAt);
    if (typeof deviceTime === 'string') return fail(deviceTime);
    const c = loc.coords;
    // Background-geolocation clients send -1 for "unknown" speed and heading.
    const speed = c.speed != null && c.speed >= 0 ? c.speed * MS_TO_KMH : 0;
    const attributes: Record<string, string | number | boolean> = {};
    if (loc.battery?.level != null) attributes['batteryPct'] = Math.round(loc.battery.level * 100);
    if (loc.battery?.is_charging != null) attributes['charging'] = loc.battery.is_charging;
    if (loc.event) attributes['event'] = loc.event;
    records.push({
      deviceId: id as DeviceId,
      protocol: 'osmand',
      deviceTime,
      position: {
        lat: c.latitude,
        lon: c.longitude,
        speedKmh: speed,
        ...(c.heading != null && c.heading >= 0 ? { headingDeg: c.heading } : {}),
        ...(c.altitude != null ? { altitudeM: c.altitude } : {}),
        ...(c.accuracy != null ? { accuracyM: c.accuracy } : {}),
      },
      ...(loc.is_moving !== undefined ? { moving: loc.is_moving } : {}),
      ...(loc.odometer != null ? { engine: { odometerM: loc.odometer } } : {}),
      ...(Object.keys(attributes).length ? { attributes } : {}),
    });
  }
  return { ok: true, records };
}

/** A request is in the JSON form when it says so or its body (leading whitespace left out) opens an object. */
export function isJsonForm(contentType: string, trimmedBodyStart: string): boolean {
  return contentType.includes('json') || trimmedBodyStart.startsWith('{');
}

/** Either form; a JSON body wins when the request carries one. */
export function parseOsmandRequest(query: string, contentType: string, body: string, receivedAt: number): ParseResult {
  const trimmed = body.trimStart();
  if (isJsonForm(contentType, trimmed)) return parseJsonForm(body, receivedAt);
  const params = new URLSearchParams(query);
  // Some clients POST the parameters as a form body instead of the query string.
  if (trimmed.length > 0 && contentType.includes('x-www-form-urlencoded')) {
    for (const [k, v] of new URLSearchParams(body)) params.append(k, v);
  }
  return parseQueryForm(params, receivedAt);
}
