import { describe, expect, it } from 'vitest';
import { DEFAULT_CONNECTION_LIMITS, resolveConnectionLimits } from './connection-limits.ts';

describe('resolveConnectionLimits', () => {
  it('fills in the defaults', () => {
    expect(resolveConnectionLimits({ idleTimeoutMs: 1000 })).toEqual({ ...DEFAULT_CONNECTION_LIMITS, idleTimeoutMs: 1000 });
  });

  it('rejects values that would misbehave at run time, naming the limit', () => {
    expect(() => resolveConnectionLimits({ maxConnections: 0 })).toThrow(/maxConnections must be a positive integer/);
    expect(() => resolveConnectionLimits({ maxFrameBytes: 1.5 })).toThrow(/maxFrameBytes/);
    expect(() => resolveConnectionLimits({ idleTimeoutMs: 2 ** 31 })).toThrow(/idleTimeoutMs must be at most/);
  });
});
