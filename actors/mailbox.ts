import type { TelemetryRecord } from '../engine/model/index.ts';
import type { DeviceContext, DeviceEvent, Ordered } from './device-setup.ts';
import { admit, flush, isFromTheFuture, type ReorderSlice } from './reorder.ts';
import { sampleOf, type Sample } from './sample.ts';
import { advanceTrack, type Track } from './track.ts';

/**
 * The device's mailbox: turns what arrives (records in any order, ticks)
 * into the machine's inputs. A record goes through the reorder window; the
 * samples it releases are folded into the track in device-time order. The
 * record and the first released sample travel in ONE `record` event (one
 * XState macrostep per record in the steady state: each costs ~20 µs of
 * interpreter work on this machine); further released samples follow as
 * `sample` events. Pure: reads the context, returns events; the machine's
 * history region stores the window and the track they carry.
 */
function fold(context: DeviceContext, released: Sample[]): Ordered[] {
  const { settings, geofences } = context.config;
  let p: Track = context.track;
  const out: Ordered[] = [];
  for (const s of released) {
    const c = advanceTrack(p, s, settings, geofences);
    out.push({ s, p, c });
    p = c;
  }
  return out;
}

export function recordEvents(context: DeviceContext, record: TelemetryRecord): DeviceEvent[] {
  const cfg = context.config.settings;
  let reorder: ReorderSlice;
  let released: Sample[] = [];
  if (isFromTheFuture(record.deviceTime, record.receivedAt, cfg.maxFutureS * 1000)) {
    reorder = { ...context.reorder, future: context.reorder.future + 1 };
  } else {
    const a = admit(context.reorder, context.track, sampleOf(record), cfg.reorderWindowS * 1000, cfg.reorderMaxRecords);
    reorder = a.slice;
    released = a.release;
  }
  const ordered = fold(context, released);
  const events: DeviceEvent[] = [{ type: 'record', record, reorder, next: ordered[0] ?? null }];
  for (let i = 1; i < ordered.length; i++) events.push({ type: 'sample', next: ordered[i]! });
  return events;
}

/** Quiet for the window's length (receive time): nothing newer is coming to reorder against, apply what is held. */
export function isQuiet(context: DeviceContext, now: number): boolean {
  return now >= quietReleaseAt(context);
}

/** When the records held in the window are released by the clock: the device quiet for the window. */
export function quietReleaseAt(context: Pick<DeviceContext, 'reorder' | 'connectivity' | 'config'>): number {
  return context.reorder.held.length > 0 ? context.connectivity.lastSeen + context.config.settings.reorderWindowS * 1000 : Infinity;
}

export function flushEvents(context: DeviceContext): DeviceEvent[] {
  const f = flush(context.reorder);
  return fold(context, f.release).map((next, i) => (i === 0 ? { type: 'sample', next, reorder: f.slice } : { type: 'sample', next }));
}
