import { createActor, type Actor, type Snapshot } from 'xstate';
import type { DeviceId, TelemetryRecord, TenantId } from '../engine/model/index.ts';
import type { DerivedEvent } from './derived-event.ts';
import { deviceMachine, type DeviceContext } from './device.machine.ts';
import { deviceViewOf, type DeviceView } from './device-view.ts';

/**
 * A device's actor plus the plumbing every caller needs: feed an event, get back
 * what it derived, read its view, persist and restore it. Synchronous: XState
 * processes an event to completion inside send(), so the derived events of a
 * record are known before the record is acknowledged.
 */
export class DeviceActor {
  private readonly actor: Actor<typeof deviceMachine>;
  private outbox: DerivedEvent[] = [];

  constructor(tenantId: TenantId, deviceId: DeviceId, offlineAfterMs: number, persisted?: Snapshot<unknown>) {
    this.actor = createActor(deviceMachine, {
      input: { tenantId, deviceId, offlineAfterMs },
      ...(persisted ? { snapshot: persisted } : {}),
    });
    this.actor.on('derived', (e) => this.outbox.push(e.event));
    this.actor.start();
  }

  private drain(): DerivedEvent[] {
    const out = this.outbox;
    this.outbox = [];
    const snap = this.actor.getSnapshot();
    if (snap.status === 'error') throw new DeviceActorError(this.context.deviceId, snap.error);
    return out;
  }

  record(record: TelemetryRecord): DerivedEvent[] {
    this.actor.send({ type: 'record', record });
    return this.drain();
  }

  checkSilence(now: number): DerivedEvent[] {
    this.actor.send({ type: 'silence.check', now });
    return this.drain();
  }

  get context(): DeviceContext {
    return this.actor.getSnapshot().context;
  }

  get online(): boolean {
    return this.actor.getSnapshot().matches({ connectivity: 'online' });
  }

  view(): DeviceView {
    return deviceViewOf(this.context, this.online);
  }

  persisted(): Snapshot<unknown> {
    return this.actor.getPersistedSnapshot();
  }

  stop(): void {
    this.actor.stop();
  }
}

export class DeviceActorError extends Error {
  override readonly name = 'DeviceActorError';
  constructor(
    readonly deviceId: string,
    cause: unknown,
  ) {
    super(`actor of device ${deviceId} failed: ${(cause as Error)?.message ?? cause}`, { cause });
  }
}
