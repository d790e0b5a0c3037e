/**
 * Where the time goes: summarises V8 .cpuprofile files (node --cpu-prof) by
 * self time per function and per source file, so a bench run with
 * `--cpu-prof DIR` ends with a list of hot spots (file:function) instead of
 * a pile of JSON.
 *
 *   npx tsx bench/harness/cpuprofile.ts DIR_OR_FILES... [--top 25]
 */
import fs from 'node:fs';
import path from 'node:path';

interface Node {
  id: number;
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

export function summarizeProfile(file: string, top = 25): ProfileSummary {
  const p = JSON.parse(fs.readFileSync(file, 'utf8')) as Profile;
  const byId = new Map<number, Node>();
  for (const n of p.nodes) byId.set(n.id, n);
  const self = new Map<number, number>();
  for (let i = 0; i < p.samples.length; i++) self.set(p.samples[i]!, (self.get(p.samples[i]!) ?? 0) + (p.timeDeltas[i] ?? 0));
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
    const key = n.callFrame.url ? `${f}:${name}` : name;
    fn.set(key, (fn.get(key) ?? 0) + us);
    files.set(f, (files.get(f) ?? 0) + us);
  }
  const busy = total - idle;
  const list = (m: Map<string, number>) =>
    [...m]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([where, us]) => ({ where, selfMs: Math.round(us / 1000), share: busy > 0 ? Math.round((us / busy) * 1000) / 1000 : 0 }));
  return { file: path.basename(file), totalMs: Math.round(total / 1000), busyMs: Math.round(busy / 1000), functions: list(fn), files: list(files) };
}

export function renderProfiles(summaries: ProfileSummary[], top = 15): string {
  const out: string[] = [];
  for (const s of summaries.sort((a, b) => b.busyMs - a.busyMs)) {
    out.push(`${s.file}: busy ${s.busyMs} ms of ${s.totalMs} ms`);
    out.push('  by file:     ' + s.files.slice(0, 8).map((f) => `${f.where} ${(f.share * 100).toFixed(1)}%`).join(', '));
    for (const f of s.functions.slice(0, top)) out.push(`  ${(f.share * 100).toFixed(1).padStart(5)}%  ${String(f.selfMs).padStart(6)} ms  ${f.where}`);
  }
  return out.join('\n');
}

export function profilesIn(target: string): string[] {
  if (fs.statSync(target).isDirectory()) return fs.readdirSync(target).filter((f) => f.endsWith('.cpuprofile')).map((f) => path.join(target, f));
  return [target];
}

if (process.argv[1]?.endsWith('cpuprofile.ts')) {
  const args = process.argv.slice(2);
  const topAt = args.indexOf('--top');
  const top = topAt >= 0 ? Number(args.splice(topAt, 2)[1]) : 25;
  const files = args.flatMap(profilesIn);
  process.stdout.write(renderProfiles(files.map((f) => summarizeProfile(f, top)), top) + '\n');
}
