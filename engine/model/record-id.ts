import { createHash } from 'node:crypto';
import type { DecodedRecord } from './telemetry-record.ts';
import { pack } from './wire.ts';

/**
 * Deterministic record id from (tenant, device, device time, content). A device
 * that resends the same buffered record after a lost ACK produces the same id,
 * so JetStream's duplicate window and the store's de-duplication drop it.
 * receivedAt is deliberately not part of the content: it differs on a resend.
 */
export function recordIdOf(tenant: string, rec: DecodedRecord): string {
  const h = createHash('sha1');
  h.update(tenant);
  h.update('\0');
  h.update(rec.deviceId);
  h.update('\0');
  h.update(String(rec.deviceTime));
  h.update('\0');
  if (rec.seq !== undefined) h.update(`#${rec.seq}`);
  h.update(pack({ ...rec, receivedAt: undefined }));
  return h.digest('base64url').slice(0, 22);
}
