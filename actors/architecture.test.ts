import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

/** The arithmetic lives in pure modules: no XState, no clock, no I/O. Only `*.machine.ts`, the setup and the actor wire XState. */
const dir = new URL('./', import.meta.url);
const sources = readdirSync(dir).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'));
const XSTATE_ALLOWED = new Set(['device-setup.ts', 'device-actor.ts', 'bench-actor.ts']);

describe('architecture', () => {
  it('pure concern modules do not import xstate', () => {
    const offenders = sources.filter((f) => !f.endsWith('.machine.ts') && !XSTATE_ALLOWED.has(f) && /from 'xstate'/.test(readFileSync(new URL(f, dir), 'utf8')));
    expect(offenders).toEqual([]);
  });

  it('no Date.now() in machines or concerns: time comes from records and ticks', () => {
    const offenders = sources.filter((f) => f !== 'bench-actor.ts' && /Date\.now\(\)/.test(readFileSync(new URL(f, dir), 'utf8')));
    expect(offenders).toEqual([]);
  });

  it('what reacts to the clock is known to clock.ts, as the shard ticks an actor only when clock.ts says', () => {
    const reacting = sources.filter((f) => f.endsWith('.machine.ts') && /\btick\s*:|'tick'/.test(readFileSync(new URL(f, dir), 'utf8')));
    // connectivity: offline after a silence; engine-health: the maintenance date; history: commits the microstep.
    // A new one here needs its due time in clockDue, or it never happens.
    expect(reacting.sort()).toEqual(['connectivity.machine.ts', 'engine-health.machine.ts', 'history.machine.ts']);
  });

  it('every concern contributes a region, actions and guards from its own .machine.ts', () => {
    const composed = readFileSync(new URL('device.machine.ts', dir), 'utf8');
    for (const f of sources.filter((f) => f.endsWith('.machine.ts') && f !== 'device.machine.ts')) {
      expect(composed, f).toContain(`from './${f}'`);
    }
  });
});
