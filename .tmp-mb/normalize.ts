import { z } from 'zod';
import { samplePayloads } from '../bench/harness/payloads.ts';
import { TelemetryRecordSchema, DEFAULT_TENANT } from '../engine/model/index.ts';
import { normalizeRecord } from '../adapters/ingest/normalize.ts';

const sample = samplePayloads(20000, { seed: 1, mix: { osmand: 0.4, teltonika: 0.4, gt06: 0.2 }, partitions: 64 });
const decoded = sample.map(({ record }) => { const { id: _i, tenantId: _t, priority: _p, receivedAt: _r, ...d } = record; return d; });
const full = sample.map((s) => ({ ...s.record }));
let attrs = 0; for (const r of full) attrs += Object.keys(r.attributes ?? {}).length;
console.log('records', full.length, 'attrs/record', (attrs / full.length).toFixed(1));
const Reordered = TelemetryRecordSchema.extend({ attributes: z.record(z.string().max(64), z.union([z.number(), z.string().max(1024), z.boolean()])).optional() });
function time(name: string, f: (i: number) => unknown) {
  for (let round = 0; round < 3; round++) {
    const t = performance.now();
    for (let k = 0; k < 5; k++) for (let i = 0; i < full.length; i++) f(i);
    const us = ((performance.now() - t) * 1000) / (5 * full.length);
    if (round === 2) console.log(name.padEnd(30), us.toFixed(2), 'µs');
  }
}
time('normalizeRecord', (i) => normalizeRecord(DEFAULT_TENANT, decoded[i]!, 1, 'x'));
time('safeParse current', (i) => TelemetryRecordSchema.safeParse(full[i]));
time('safeParse number-first union', (i) => Reordered.safeParse(full[i]));
time('safeParse no attributes', (i) => { const { attributes: _a, ...r } = full[i]!; return TelemetryRecordSchema.safeParse(r); });
