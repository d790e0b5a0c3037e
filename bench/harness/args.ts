import fs from 'node:fs';
import { parseArgs, type ParseArgsConfig } from 'node:util';

/**
 * node:util parseArgs with the errors a user can act on: unknown flags name
 * the known ones, numbers are checked with their range, and every message
 * says which flag was wrong.
 */

export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export function parseFlags<T extends NonNullable<ParseArgsConfig['options']>>(argv: string[], options: T, allowPositionals: boolean) {
  try {
    return parseArgs({ args: argv, options, allowPositionals, strict: true });
  } catch (err) {
    const msg = (err as Error).message;
    const known = Object.keys(options)
      .map((k) => `--${k}`)
      .join(' ');
    throw new UsageError(`${msg.replace(/\. To specify a positional argument.*$/s, '')}\nknown flags: ${known}`);
  }
}

export function num(flag: string, v: string | undefined, dflt: number, opts: { min?: number; max?: number; int?: boolean } = {}): number {
  if (v === undefined) return dflt;
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n)) throw new UsageError(`--${flag} must be a number, got ${JSON.stringify(v)}`);
  if (opts.int && !Number.isInteger(n)) throw new UsageError(`--${flag} must be a whole number, got ${v}`);
  if (opts.min !== undefined && n < opts.min) throw new UsageError(`--${flag} must be at least ${opts.min}, got ${v}`);
  if (opts.max !== undefined && n > opts.max) throw new UsageError(`--${flag} must be at most ${opts.max}, got ${v}`);
  return n;
}

export function port(flag: string, v: string | undefined, dflt: number): number {
  return num(flag, v, dflt, { min: 1, max: 65535, int: true });
}

/** "0,1,5-7" -> [0,1,5,6,7] */
export function intList(flag: string, v: string): number[] {
  const out: number[] = [];
  for (const part of v.split(',')) {
    const m = /^\s*(\d+)\s*(?:-\s*(\d+)\s*)?$/.exec(part);
    if (!m) throw new UsageError(`--${flag} must be a list like 0,1,4-7, got ${JSON.stringify(v)}`);
    const a = Number(m[1]);
    const b = m[2] === undefined ? a : Number(m[2]);
    for (let i = a; i <= b; i++) out.push(i);
  }
  return out;
}

/** Soft and hard limits on open files of this process (from /proc; undefined elsewhere). */
export function openFileLimits(pid: number | 'self' = 'self'): { soft: number; hard: number } | undefined {
  try {
    const text = fs.readFileSync(`/proc/${pid}/limits`, 'utf8');
    const m = /Max open files\s+(\S+)\s+(\S+)/.exec(text);
    if (!m) return undefined;
    const n = (s: string) => (s === 'unlimited' ? Infinity : Number(s));
    return { soft: n(m[1]!), hard: n(m[2]!) };
  } catch {
    return undefined;
  }
}

/** Settings the harness owns: where the platform listens and keeps its data. */
const HARNESS_OWNED = /^FLEET_(DATA_DIR|HOST|ADMIN_KEY|[A-Z]+_PORT)$|^(NATS_URL|CLICKHOUSE_URL)$/;

/** `--platform-env FLEET_X=1 --platform-env FLEET_Y=2` -> { FLEET_X: '1', FLEET_Y: '2' }; the platform validates the values. */
export function platformSettings(pairs: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of pairs) {
    const m = /^(FLEET_[A-Z0-9_]+)=(.*)$/s.exec(pair);
    if (!m) throw new UsageError(`--platform-env takes FLEET_NAME=value, got ${JSON.stringify(pair)}`);
    if (HARNESS_OWNED.test(m[1]!)) throw new UsageError(`--platform-env ${m[1]}: the harness sets this one itself`);
    out[m[1]!] = m[2]!;
  }
  return out;
}
