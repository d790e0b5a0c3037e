import type { JetStreamClient } from '@nats-io/jetstream';
import { pack, partitionOf, type TelemetryRecord } from '../../engine/model/index.ts';
import { inSubject, urgentSubject } from '../../engine/nats/subjects.ts';

export class PublishError extends Error {
  override readonly name = 'PublishError';
  constructor(
    readonly deviceId: string,
    readonly failed: number,
    readonly total: number,
    cause: unknown,
  ) {
    super(`JetStream did not acknowledge ${failed} of ${total} records of device ${deviceId}: ${(cause as Error)?.message ?? cause}`, { cause });
  }
}

export interface PublishOutcome {
  /** Records JetStream stored now. */
  stored: number;
  /** Records JetStream already had (same message id inside the duplicate window): a device resend. */
  duplicates: number;
}

/**
 * Publishes records and resolves only when JetStream acknowledged every one:
 * the adapter answers the device after this, never before. The message id is
 * the record id, so a resend inside the duplicate window is dropped by the server.
 */
export class RecordPublisher {
  constructor(
    private readonly js: JetStreamClient,
    private readonly partitions: number,
    private readonly timeoutMs = 5000,
  ) {}

  async publish(records: readonly TelemetryRecord[]): Promise<PublishOutcome> {
    if (records.length === 0) return { stored: 0, duplicates: 0 };
    const results = await Promise.allSettled(
      records.map(async (r) => {
        const partition = partitionOf(r.tenantId, r.deviceId, this.partitions);
        const payload = pack(r);
        const bulk = this.js.publish(inSubject(partition, r.tenantId, r.deviceId), payload, { msgID: r.id, timeout: this.timeoutMs });
        if (r.priority !== 'critical') return bulk;
        // Critical records also take the urgent lane, so their alarms go out ahead of any backlog.
        const urgent = this.js.publish(urgentSubject(partition, r.tenantId, r.deviceId), payload, { msgID: `u-${r.id}`, timeout: this.timeoutMs });
        const [ack] = await Promise.all([bulk, urgent]);
        return ack;
      }),
    );
    let duplicates = 0;
    let failed = 0;
    let firstError: unknown;
    for (const r of results) {
      if (r.status === 'rejected') {
        failed++;
        firstError ??= r.reason;
      } else if (r.value.duplicate) duplicates++;
    }
    if (failed > 0) throw new PublishError(records[0]!.deviceId, failed, records.length, firstError);
    return { stored: records.length - duplicates, duplicates };
  }
}
