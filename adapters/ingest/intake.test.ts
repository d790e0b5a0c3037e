import { describe, expect, it } from 'vitest';
import { recordIdOf, tenantId, type DecodedRecord, type DeviceId } from '../../engine/model/index.ts';
import { takeIn, type IntakeGate } from './intake.ts';

const TENANT = tenantId('acme');
const T0 = 1_700_000_000_000;

function point(seconds: number, extra: Partial<DecodedRecord> = {}): DecodedRecord {
  return { deviceId: 'dev-1' as DeviceId, protocol: 'teltonika', deviceTime: T0 + seconds * 1000, position: { lat: 52, lon: 4.3, speedKmh: 40 }, ...extra };
}

/** A gate whose publisher already acknowledged `acked`, recording what the governor was asked for. */
function gate(acked: DecodedRecord[] = []): IntakeGate & { paced: number[] } {
  const ids = new Set(acked.map((d) => recordIdOf(TENANT, d)));
  const paced: number[] = [];
  return { tenant: TENANT, paced, admit: async (n) => void paced.push(n), resent: (id) => ids.has(id) };
}

describe('taking a packet in', () => {
  it('sets resends aside before pacing: the governor is charged for new records only', async () => {
    const old = [point(0), point(5)];
    const g = gate(old);
    const taken = await takeIn(g, [...old, point(10)], T0 + 60_000);
    expect(taken.resent).toBe(2);
    expect(taken.records.map((r) => r.deviceTime)).toEqual([T0 + 10_000]);
    expect(taken.records[0]).toMatchObject({ tenantId: 'acme', receivedAt: T0 + 60_000, id: recordIdOf(TENANT, point(10)) });
    expect(g.paced).toEqual([1]);
  });

  it('a packet that is all resends is not paced at all', async () => {
    const old = [point(0), point(5)];
    const g = gate(old);
    expect(await takeIn(g, old, T0)).toEqual({ records: [], resent: 2, rejected: [] });
    expect(g.paced).toEqual([]);
  });

  it('a packet carrying an alarm is never paced', async () => {
    const g = gate();
    const taken = await takeIn(g, [point(0), point(1, { alarms: ['panic'] })], T0);
    expect(taken.records.map((r) => r.priority)).toEqual(['normal', 'critical']);
    expect(g.paced).toEqual([]);
  });

  it("tells the governor whether a packet is live or a replay from the device's buffer", async () => {
    const live: boolean[] = [];
    const g: IntakeGate = { tenant: TENANT, admit: async (_n, l) => void live.push(l) };
    await takeIn(g, [point(0), point(5)], T0 + 30_000);
    await takeIn(g, [point(0), point(5)], T0 + 3_600_000); // an hour in the device's memory
    await takeIn(g, [point(0), point(3_500)], T0 + 3_600_000); // a replay that reaches the present
    await takeIn(g, [point(0)], T0 - 3_600_000); // a device clock an hour ahead
    expect(live).toEqual([true, false, false, false]);
  });

  it('lists records that fail validation with the reason, and keeps the valid ones', async () => {
    const g = gate();
    const taken = await takeIn(g, [point(0), point(1, { position: { lat: 95, lon: 4, speedKmh: 0 } })], T0);
    expect(taken.records).toHaveLength(1);
    expect(taken.rejected).toEqual([{ deviceId: 'dev-1', deviceTime: T0 + 1000, reason: expect.stringContaining('lat') }]);
  });

  it('without a resend check or a governor every record goes on', async () => {
    const taken = await takeIn({ tenant: TENANT }, [point(0), point(0)], T0);
    expect(taken.records).toHaveLength(2);
    expect(taken.resent).toBe(0);
  });

  it('a run of resent packets gives the thread turns (resends are not paced, so nothing else would)', async () => {
    const old = [point(0), point(5)];
    const ids = new Set(old.map((d) => recordIdOf(TENANT, d)));
    const spin = (ms: number) => {
      const until = performance.now() + ms;
      while (performance.now() < until);
    };
    // Each lookup costs 1 ms: forty packets are ~80 ms of work on one connection's chain of microtasks.
    const g: IntakeGate = { tenant: TENANT, resent: (id) => (spin(1), ids.has(id)) };
    const order: string[] = [];
    setImmediate(() => order.push('other work'));
    for (let i = 0; i < 40; i++) {
      await takeIn(g, old, T0);
      order.push(`packet ${i}`);
    }
    await new Promise((r) => setImmediate(r));
    // Without turns it would come after all forty packets (index 40). It may
    // come first: the thread's budget can already be spent when the test starts.
    expect(order).toContain('other work');
    expect(order.indexOf('other work')).toBeLessThan(20);
  });
});
