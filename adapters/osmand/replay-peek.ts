import type { ChunkPeek } from '../tcp/protocol-session.ts';
import { MAX_LOCATIONS_PER_REQUEST, isJsonForm, parseDeviceTime } from './parse-request.ts';

/**
 * What an OsmAnd JSON batch holds, read without parsing it, so that a replay
 * can wait for the intake as the bytes it came in (ingest/replay-hold.ts), as
 * TCP replays do. A phone back from a dead zone posts its buffer in batches;
 * parsed at once, four thousand phones' batches waited in the adapters' heap
 * as records (1,500 decoded replay packets at a storm's peak), and every
 * young-generation collection of that thread copied them.
 *
 * Only the JSON form is peeked: it carries no alarm (a query or form body may,
 * and is parsed at once). The count is the locations' `"coords"` keys and the
 * times are the first and last `"timestamp"` values; a body that does not
 * read so is not held, and parsing then says what is wrong with it. A body
 * that lies costs only its own device: it is paced by the count it claims.
 */

const COORDS = Buffer.from('"coords"');
const TIMESTAMP = Buffer.from('"timestamp"');
/** Enough of the body's start to see past the whitespace a client puts before its opening brace. */
const BODY_START_BYTES = 64;
/** Enough for any timestamp value: an ISO-8601 string or epoch (milli)seconds. */
const VALUE_WINDOW_BYTES = 48;

export function peekJsonBatch(contentType: string, body: Buffer, receivedAt: number): ChunkPeek | undefined {
  if (!isJsonForm(contentType, body.toString('latin1', 0, BODY_START_BYTES).trimStart())) return undefined;
  let records = 0;
  for (let at = body.indexOf(COORDS); at >= 0 && records <= MAX_LOCATIONS_PER_REQUEST; at = body.indexOf(COORDS, at + COORDS.length)) records++;
  if (records === 0 || records > MAX_LOCATIONS_PER_REQUEST) return undefined;
  const first = timestampAt(body, body.indexOf(TIMESTAMP), receivedAt);
  const last = timestampAt(body, body.lastIndexOf(TIMESTAMP), receivedAt);
  if (first === undefined || last === undefined) return undefined;
  return { records, critical: false, oldestDeviceTime: Math.min(first, last), newestDeviceTime: Math.max(first, last) };
}

/** The time of the `"timestamp": value` pair at `at`, ms; undefined when it does not read as one. */
function timestampAt(body: Buffer, at: number, receivedAt: number): number | undefined {
  if (at < 0) return undefined;
  const after = body.toString('latin1', at + TIMESTAMP.length, at + TIMESTAMP.length + VALUE_WINDOW_BYTES);
  const m = /^\s*:\s*(?:"([^"]*)"|(\d+(?:\.\d+)?))/.exec(after);
  if (!m) return undefined;
  const t = parseDeviceTime(m[1] ?? m[2], receivedAt);
  return typeof t === 'number' ? t : undefined;
}
