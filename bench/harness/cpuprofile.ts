/**
 * Where the time goes: summarises V8 .cpuprofile files (node --cpu-prof) by
 * self time per function and per source file, so a bench run with
 * `--cpu-prof DIR` ends with a list of hot spots (file:function) instead of
 * a pile of JSON.
 *
 *   npx tsx bench/harness/cpuprofile.ts DIR_OR_FILES... [--top 25] [--from S] [--to S] [--inclusive]
 *
 * `--from`/`--to` keep the samples taken that many seconds after the profile
 * started (a bench's power-on wave apart from its steady state);
 * `--inclusive` ranks functions by the time spent in them and everything they
 * called, which names the operation (creating an actor, admitting a device)
 * rather than the leaf it spends its time in.
 */
import fs from 'node:fs';
import path from 'node:path';

interface Node {
  id: number;
  parent?: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface Profile {
  nodes: Node[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

export interface HotSpot {
  where: string;
  selfMs: number;
  share: number;
}

export interface ProfileSummary {
  file: string;
  /** Functions by inclusive time (themselves and what they called), when asked for. */
  inclusive?: HotSpot[];
  totalMs: number;
  /** Time not idle (program + GC + functions). */
  busyMs: number;
  functions: HotSpot[];
  files: HotSpot[];
}

function shortUrl(url: string): string {
  if (!url) return '(native)';
  const u = url.replace(/^file:\/\//, '');
  const nm = u.lastIndexOf('/node_modules/');
  if (nm >= 0) {
    const rest = u.slice(nm + 14).split('/');
    return `npm:${rest[0]!.startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]}`;
  }
  const m = /\/(engine|actors|adapters|api|bench)\/(.*)$/.exec(u);
  if (m) return `${m[1]}/${m[2]}`;
  if (u.startsWith('node:')) return u;
  return path.basename(u);
}

export interface SummaryOptions {
  /** Seconds after the profile's start: samples outside [fromS, toS) are left out. */
  fromS?: number;
  toS?: number;
  inclusive?: boolean;
}

const keyOf = (n: Node) => {
  const name = n.callFrame.functionName || '(anonymous)';
  return n.callFrame.url ? `${shortUrl(n.callFrame.url)}:${name}` : name;
};

export function summarizeProfile(file: string, top = 25, opts: SummaryOptions = {}): ProfileSummary {
  const p = JSON.parse(fs.readFileSync(file, 'utf8')) as Profile;
  const byId = new Map<number, Node>();
  for (const n of p.nodes) byId.set(n.id, n);
  for (const n of p.nodes) for (const c of n.children ?? []) byId.get(c)!.parent = n.id;
  const fromUs = (opts.fromS ?? 0) * 1e6;
  const toUs = (opts.toS ?? Infinity) * 1e6;
  const self = new Map<number, number>();
  const inclusive = new Map<string, number>();
  let at = 0;
  for (let i = 0; i < p.samples.length; i++) {
    const dt = p.timeDeltas[i] ?? 0;
    at += dt;
    if (at < fromUs || at >= toUs) continue;
    self.set(p.samples[i]!, (self.get(p.samples[i]!) ?? 0) + dt);
    if (!opts.inclusive) continue;
    // Each function once per sample, however deep it recursed.
    const seen = new Set<string>();
    for (let n = byId.get(p.samples[i]!); n; n = n.parent === undefined ? undefined : byId.get(n.parent)) {
      const k = keyOf(n);
      if (k === '(root)' || k === '(idle)' || seen.has(k)) continue;
      seen.add(k);
      inclusive.set(k, (inclusive.get(k) ?? 0) + dt);
    }
  }
  const fn = new Map<string, number>();
  const files = new Map<string, number>();
  let total = 0;
  let idle = 0;
  for (const [id, us] of self) {
    const n = byId.get(id)!;
    const name = n.callFrame.functionName || '(anonymous)';
    total += us;
    if (name === '(idle)') {
      idle += us;
      continue;
    }
    const f = shortUrl(n.callFrame.url);
    const key = keyOf(n);
    fn.set(key, (fn.get(key) ?? 0) + us);
    files.set(f, (files.get(f) ?? 0) + us);
  }
  const busy = total - idle;
  const list = (m: Map<string, number>) =>
    [...m]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([where, us]) => ({ where, selfMs: Math.round(us / 1000), share: busy > 0 ? Math.round((us / busy) * 1000) / 1000 : 0 }));
  return {
    file: path.basename(file),
    totalMs: Math.round(total / 1000),
    busyMs: Math.round(busy / 1000),
    functions: list(fn),
    files: list(files),
    ...(opts.inclusive ? { inclusive: list(inclusive) } : {}),
  };
}

export function renderProfiles(summaries: ProfileSummary[], top = 15): string {
  const out: string[] = [];
  for (const s of summaries.sort((a, b) => b.busyMs - a.busyMs)) {
    out.push(`${s.file}: busy ${s.busyMs} ms of ${s.totalMs} ms`);
    out.push('  by file:     ' + s.files.slice(0, 8).map((f) => `${f.where} ${(f.share * 100).toFixed(1)}%`).join(', '));
    for (const f of s.functions.slice(0, top)) out.push(`  ${(f.share * 100).toFixed(1).padStart(5)}%  ${String(f.selfMs).padStart(6)} ms  ${f.where}`);
    if (s.inclusive) {
      out.push('  inclusive (the function and what it called):');
      for (const f of s.inclusive.slice(0, top)) out.push(`  ${(f.share * 100).toFixed(1).padStart(5)}%  ${String(f.selfMs).padStart(6)} ms  ${f.where}`);
    }
  }
  return out.join('\n');
}

export function profilesIn(target: string): string[] {
  if (fs.statSync(target).isDirectory()) return fs.readdirSync(target).filter((f) => f.endsWith('.cpuprofile')).map((f) => path.join(target, f));
  return [target];
}

if (process.argv[1]?.endsWith('cpuprofile.ts')) {
  const args = process.argv.slice(2);
  const flag = (name: string): number | undefined => {
    const at = args.indexOf(name);
    return at >= 0 ? Number(args.splice(at, 2)[1]) : undefined;
  };
  const top = flag('--top') ?? 25;
  const fromS = flag('--from');
  const toS = flag('--to');
  const inclusiveAt = args.indexOf('--inclusive');
  if (inclusiveAt >= 0) args.splice(inclusiveAt, 1);
  const opts: SummaryOptions = { inclusive: inclusiveAt >= 0, ...(fromS !== undefined ? { fromS } : {}), ...(toS !== undefined ? { toS } : {}) };
  const files = args.flatMap(profilesIn);
  process.stdout.write(renderProfiles(files.map((f) => summarizeProfile(f, top, opts)), top) + '\n');
}
