import type { Logger } from '../../engine/log.ts';
import type { TenantId } from '../../engine/model/index.ts';
import { BodyTooLargeError, json, listen, readBody, send, trackAbort, uWS } from '../../engine/http/uws.ts';
import { yieldIfDue } from '../../engine/scheduling/turn-budget.ts';
import { takeIn, type AdmitRecords } from '../ingest/intake.ts';
import { isHoldableReplay, type ReplayHold } from '../ingest/replay-hold.ts';
import { peekJsonBatch } from './replay-peek.ts';
import { PublishError, type RecordPublisher } from '../ingest/record-publisher.ts';
import { MAX_BODY_BYTES, parseOsmandRequest } from './parse-request.ts';
import type { DeviceAdmission } from '../../engine/registry/device-registry.ts';

/** A body this small is one record or a few (a batch of replays is kilobytes); the TCP listeners decode such chunks first too. */
const SMALL_BODY_BYTES = 1024;

/** Whether a request is parsed in the turn it arrived: no body (query form) or a small one. */
function parsesAtOnce(bodyBytes: number): boolean {
  return bodyBytes <= SMALL_BODY_BYTES;
}

/** Waits for the governor's turn as bytes when the intake is backed up and the body is a replay batch; true if it waited. */
async function waitAsBytes(hold: ReplayHold | undefined, contentType: string, body: Buffer, receivedAt: number, gone: () => boolean): Promise<boolean> {
  if (hold === undefined || parsesAtOnce(body.length) || !hold.busy) return false;
  const peek = peekJsonBatch(contentType, body, receivedAt);
  if (peek === undefined || !isHoldableReplay(peek, receivedAt)) return false;
  await new Promise<void>((resolve) => hold.hold({ admitted: () => resolve(), gone }, peek.records));
  return true;
}

export interface OsmandListener {
  port: number;
  close(): void;
}

/**
 * OsmAnd over HTTP: 200 only after JetStream acknowledged every record of the
 * request (so the phone keeps its buffered point until it is durable), 400 with
 * a reason for a bad request, 503 when JetStream could not take it (the client retries).
 */
export async function startOsmandListener(opts: {
  host: string;
  port: number;
  tenant: TenantId;
  publisher: Pick<RecordPublisher, 'publish' | 'resent'>;
  admission: DeviceAdmission;
  /** Paces ordinary records (adapters/ingest/intake-governor.ts); without it they only wait for the thread's next turn. */
  admit?: AdmitRecords;
  /** While the intake is backed up, a JSON replay batch waits for its turn as bytes (ingest/replay-hold.ts). */
  replayHold?: ReplayHold;
  log: Logger;
  now?: () => number;
}): Promise<OsmandListener> {
  const gate = { tenant: opts.tenant, admit: opts.admit ?? (async () => yieldIfDue()), resent: (id: string) => opts.publisher.resent(id) };
  const { admit: _paced, ...unpacedGate } = gate;
  const now = opts.now ?? Date.now;
  const app = uWS.App();
  app.any('/*', (res, req) => {
    const abort = trackAbort(res);
    const method = req.getMethod().toUpperCase();
    const query = req.getQuery() ?? '';
    const contentType = req.getHeader('content-type');
    const receivedAt = now();
    if (method !== 'GET' && method !== 'POST') {
      send(res, abort, json(405, { error: 'use GET or POST' }));
      return;
    }
    const bodyPromise = method === 'POST' ? readBody(res, MAX_BODY_BYTES) : Promise.resolve(Buffer.alloc(0));
    void (async () => {
      let body: Buffer;
      try {
        body = await bodyPromise;
      } catch (err) {
        const status = err instanceof BodyTooLargeError ? 413 : 400;
        send(res, abort, json(status, { error: (err as Error).message }));
        return;
      }
      // uWS hands over every request that arrived together in one go: parsing them all before anyone
      // yields would hold the thread as long as the slowest burst, so a batch takes its turn. A request
      // of one record (the query form, how a phone sends a panic) is parsed at once: waiting a turn
      // put it behind the storm's decoding, and its records still wait for the governor unless critical.
      if (!parsesAtOnce(body.length)) await yieldIfDue();
      const held = await waitAsBytes(opts.replayHold, contentType, body, receivedAt, () => abort.aborted);
      // The phone gave up while its batch waited: there is no one to answer, and it sends the batch again.
      if (held && abort.aborted) return;
      const parsed = parseOsmandRequest(query, contentType, body.toString('utf8'), receivedAt);
      if (!parsed.ok) {
        opts.log.warn({ protocol: 'osmand', reason: parsed.reason }, 'rejected OsmAnd request');
        send(res, abort, json(400, { error: parsed.reason }));
        return;
      }
      // As on the TCP listeners: resends are answered at once, ordinary records are paced under load, alarms are not.
      // A phone that gave up on this request (timeout) sends it again: its place in the queue is not served.
      // A batch that waited as bytes had its turn: it is not paced a second time.
      const { records, resent, rejected } = await takeIn({ ...(held ? unpacedGate : gate), gone: () => abort.aborted }, parsed.records, receivedAt);
      const bad = rejected[0];
      if (bad) {
        opts.log.warn({ protocol: 'osmand', deviceId: bad.deviceId, reason: bad.reason }, 'rejected OsmAnd record');
        send(res, abort, json(400, { error: bad.reason }));
        return;
      }
      // A parsed request always holds a record; the guard keeps a parser change from becoming a crash.
      const deviceId = parsed.records[0]?.deviceId;
      if (deviceId === undefined) {
        send(res, abort, json(400, { error: 'no location in the request' }));
        return;
      }
      try {
        const admission = await opts.admission.admit(opts.tenant, deviceId, 'osmand');
        if (!admission.admitted) {
          opts.log.warn({ protocol: 'osmand', deviceId, reason: admission.reason }, 'device refused');
          send(res, abort, json(403, { error: admission.reason }));
          return;
        }
        const outcome = await opts.publisher.publish(records);
        send(res, abort, json(200, { accepted: records.length + resent, duplicates: outcome.duplicates + resent }));
      } catch (err) {
        const e = err instanceof PublishError ? err : new PublishError(deviceId, records.length, records.length, err);
        opts.log.error({ protocol: 'osmand', deviceId: e.deviceId, err: e.message }, 'publish failed; device not acknowledged');
        send(res, abort, json(503, { error: 'records not stored; retry later' }));
      }
    })();
  });
  const l = await listen(app, opts.host, opts.port);
  opts.log.info({ port: l.port }, 'OsmAnd listener ready');
  return l;
}
