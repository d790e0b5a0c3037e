import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { summarizeProfile } from './cpuprofile.ts';

// root -> admit (file a.ts) -> hash (b.ts); root -> (idle). Samples 1 ms apart: admit, hash, hash, idle, hash.
const profile = {
  nodes: [
    { id: 1, callFrame: { functionName: '(root)', url: '', lineNumber: 0 }, children: [2, 4] },
    { id: 2, callFrame: { functionName: 'admit', url: 'file:///x/a.ts', lineNumber: 1 }, children: [3] },
    { id: 3, callFrame: { functionName: 'hash', url: 'file:///x/b.ts', lineNumber: 1 } },
    { id: 4, callFrame: { functionName: '(idle)', url: '', lineNumber: 0 } },
  ],
  samples: [2, 3, 3, 4, 3],
  timeDeltas: [1000, 1000, 1000, 1000, 1000],
  startTime: 0,
  endTime: 5000,
};

describe('cpu profile summary', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fleetline-prof-'));
  const file = path.join(dir, 't.cpuprofile');
  fs.writeFileSync(file, JSON.stringify(profile));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('ranks self time, and inclusive time counts what a function called', () => {
    const s = summarizeProfile(file, 10, { inclusive: true });
    expect(s.busyMs).toBe(4);
    expect(s.functions.map((f) => [f.where.split(':').pop(), f.selfMs])).toEqual([['hash', 3], ['admit', 1]]);
    expect(s.inclusive!.map((f) => [f.where.split(':').pop(), f.selfMs])).toEqual([['admit', 4], ['hash', 3]]);
  });

  it('keeps only the samples inside --from/--to', () => {
    const s = summarizeProfile(file, 10, { fromS: 0.0025, toS: 0.0045 });
    expect(s.functions.map((f) => [f.where.split(':').pop(), f.selfMs])).toEqual([['hash', 1]]);
    expect(s.inclusive).toBeUndefined();
  });
});
