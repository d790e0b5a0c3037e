import fs from 'node:fs';
import os from 'node:os';

/**
 * CPU and memory of processes from /proc (Linux): cumulative user+system
 * time, resident set size, and per-thread CPU grouped by thread name (so the
 * platform's shard workers, libuv pool and V8 helpers are told apart).
 */

const CLK_TCK = 100; // USER_HZ, 100 on every Linux we run on

export interface ProcSample {
  pid: number;
  t: number;
  cpuS: number;
  rssBytes: number;
  threads: Record<string, number>;
}

function statCpuS(path: string): { cpuS: number; comm: string } | undefined {
  try {
    const text = fs.readFileSync(path, 'utf8');
    const close = text.lastIndexOf(')');
    const comm = text.slice(text.indexOf('(') + 1, close);
    const fields = text.slice(close + 2).split(' ');
    // fields[0] is state (field 3); utime is field 14, stime field 15
    const utime = Number(fields[11]);
    const stime = Number(fields[12]);
    return { cpuS: (utime + stime) / CLK_TCK, comm };
  } catch {
    return undefined;
  }
}

export function sampleProcess(pid: number): ProcSample | undefined {
  const main = statCpuS(`/proc/${pid}/stat`);
  if (!main) return undefined;
  let rssBytes = 0;
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    rssBytes = Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0) * 1024;
  } catch {
    // gone
  }
  const threads: Record<string, number> = {};
  try {
    for (const tid of fs.readdirSync(`/proc/${pid}/task`)) {
      const t = statCpuS(`/proc/${pid}/task/${tid}/stat`);
      if (!t) continue;
      // Number-suffixed pools (e.g. "V8 DefaultWorke", "libuv-worker") fold into one name.
      const name = t.comm.replace(/\d+$/, '').trim() || t.comm;
      threads[name] = (threads[name] ?? 0) + t.cpuS;
    }
  } catch {
    // no task list
  }
  return { pid, t: Date.now(), cpuS: main.cpuS, rssBytes, threads };
}

export interface ProcUsage {
  pid: number;
  /** CPU seconds used per wall second over the window (1.0 = one core busy). */
  cores: number;
  cpuS: number;
  rssBytes: number;
  maxRssBytes: number;
  /** Cores per thread group, busiest first. */
  threads: Record<string, number>;
}

/** Cores a process and each of its thread groups used between two samples of it, unrounded. */
function coresBetween(a: ProcSample, b: ProcSample): { cores: number; threads: [string, number][] } {
  const wall = Math.max(0.001, (b.t - a.t) / 1000);
  return { cores: (b.cpuS - a.cpuS) / wall, threads: Object.entries(b.threads).map(([t, cpu]) => [t, (cpu - (a.threads[t] ?? 0)) / wall]) };
}

/** Tracks processes between `mark()` and `usage()`, remembering the largest RSS seen by `poll()`. */
export class ProcTracker {
  private start = new Map<string, ProcSample>();
  private maxRss = new Map<string, number>();

  constructor(private readonly pids: () => Record<string, number | undefined>) {}

  mark(): void {
    this.start.clear();
    this.maxRss.clear();
    for (const [name, pid] of Object.entries(this.pids())) {
      const s = pid ? sampleProcess(pid) : undefined;
      if (s) this.start.set(name, s);
    }
  }

  private last = new Map<string, ProcSample>();

  /**
   * RSS right now per process, and the cores each process and each of its
   * thread groups used since the previous poll (a timeline second: a burst
   * of one process shows here, where a window's average hides it); also
   * updates the maxima.
   */
  poll(): { rss: Record<string, number>; cores: Record<string, { cores: number; threads: Record<string, number> }> } {
    const rss: Record<string, number> = {};
    const cores: Record<string, { cores: number; threads: Record<string, number> }> = {};
    for (const [name, pid] of Object.entries(this.pids())) {
      const s = pid ? sampleProcess(pid) : undefined;
      if (!s) continue;
      rss[name] = s.rssBytes;
      this.maxRss.set(name, Math.max(this.maxRss.get(name) ?? 0, s.rssBytes));
      const prev = this.last.get(name);
      this.last.set(name, s);
      if (!prev || prev.pid !== s.pid || s.t <= prev.t) continue;
      const used = coresBetween(prev, s);
      const threads: Record<string, number> = {};
      for (const [t, d] of used.threads) if (d >= 0.01) threads[t] = Math.round(d * 100) / 100;
      cores[name] = { cores: Math.round(used.cores * 100) / 100, threads };
    }
    return { rss, cores };
  }

  usage(): Record<string, ProcUsage> {
    const out: Record<string, ProcUsage> = {};
    for (const [name, pid] of Object.entries(this.pids())) {
      const a = this.start.get(name);
      const b = pid ? sampleProcess(pid) : undefined;
      if (!a || !b || a.pid !== b.pid) continue;
      const used = coresBetween(a, b);
      const threads: Record<string, number> = {};
      for (const [t, d] of used.threads) if (d > 0.005) threads[t] = Math.round(d * 1000) / 1000;
      out[name] = {
        pid: b.pid,
        cores: Math.round(used.cores * 1000) / 1000,
        cpuS: Math.round((b.cpuS - a.cpuS) * 100) / 100,
        rssBytes: b.rssBytes,
        maxRssBytes: Math.max(this.maxRss.get(name) ?? 0, b.rssBytes),
        threads: Object.fromEntries(Object.entries(threads).sort((x, y) => y[1] - x[1])),
      };
    }
    return out;
  }
}

/**
 * Microseconds since boot in which at least one runnable task on the machine
 * waited for a CPU (Linux pressure stall information, /proc/pressure/cpu
 * "some ... total="); undefined where the kernel has no PSI.
 */
export function cpuPressureTotalUs(): number | undefined {
  try {
    const m = /^some .*total=(\d+)/m.exec(fs.readFileSync('/proc/pressure/cpu', 'latin1'));
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

/** Whole-machine CPU busy share over a window, from os.cpus(). */
export class MachineCpu {
  private start = MachineCpu.read();
  static read(): { idle: number; total: number } {
    let idle = 0;
    let total = 0;
    for (const c of os.cpus()) {
      idle += c.times.idle;
      total += c.times.idle + c.times.user + c.times.sys + c.times.nice + c.times.irq;
    }
    return { idle, total };
  }
  mark(): void {
    this.start = MachineCpu.read();
  }
  /** Busy cores over the window (0..cores). */
  busyCores(): number {
    const b = MachineCpu.read();
    const total = b.total - this.start.total;
    if (total <= 0) return 0;
    return Math.round((1 - (b.idle - this.start.idle) / total) * os.cpus().length * 100) / 100;
  }
}

/** The pid of a child process whose environment has `key=value` and whose command line contains `cmd`. */
export function findPidByEnv(cmd: string, key: string, value: string): number | undefined {
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmdline = fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8');
      if (!cmdline.includes(cmd)) continue;
      const env = fs.readFileSync(`/proc/${entry}/environ`, 'utf8').split('\0');
      if (env.includes(`${key}=${value}`)) return Number(entry);
    } catch {
      // not ours to read, or gone
    }
  }
  return undefined;
}
