import type { LatencySummary } from '../histogram.ts';
import type { BenchResult, TimelinePoint } from './result.ts';

/** The readable table on stdout and the SVG chart beside the JSON. */

const fmt = (n: number | null | undefined, digits = 0): string =>
  n === null || n === undefined || !Number.isFinite(n) ? '-' : n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
const mb = (b: number | null | undefined) => (b ? `${fmt(b / 1024 / 1024, 0)} MB` : '-');

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ')).join('\n');
}

function latRow(name: string, l: LatencySummary | undefined): string[] {
  if (!l || l.count === 0) return [name, '-', '-', '-', '-', '-', '0'];
  return [name, fmt(l.p50, 1), fmt(l.p95, 1), fmt(l.p99, 1), fmt(l.max, 1), fmt(l.mean, 1), fmt(l.count)];
}

export function renderTable(r: BenchResult): string {
  const out: string[] = [];
  if (r.platformCrashed) out.push('!!! THE PLATFORM PROCESS CRASHED DURING THIS RUN: the figures below are not those of a working platform (see notes) !!!\n');
  out.push(`scenario ${r.scenario}: ${fmt(r.devices)} devices, ${r.durationS} s measured, rate x${r.rateScale}, seed ${r.seed}`);
  out.push(
    `mix ${Object.entries(r.mix)
      .map(([k, v]) => `${k} ${fmt(v * 100, 0)}%`)
      .join(', ')}; machine ${r.machine.cpus} cores, nats-server ${r.machine.natsServer}`,
  );
  out.push('');
  out.push(
    table([
      ['throughput', 'records/s'],
      ['offered (recorded by devices)', fmt(r.recordsPerS.offered)],
      ['acked (device ACKed)', fmt(r.recordsPerS.acked)],
      ['processed (actors)', fmt(r.recordsPerS.processed)],
      ['stored (ClickHouse)', fmt(r.recordsPerS.stored)],
      ['pushed on WebSocket', fmt(r.recordsPerS.wsPushed)],
      ['records per JetStream message', fmt(r.ingest?.recordsPerMessage ?? 1, 2)],
      ...(r.snapshotsPerRecord !== undefined ? [['actor snapshots written per record', fmt(r.snapshotsPerRecord, 3)] as [string, string]] : []),
      [`raw JetStream ceiling${(r.ceiling.recordsPerMessage ?? 1) > 1 ? ` (${fmt(r.ceiling.recordsPerMessage ?? 1, 2)} per message)` : ''}`, fmt(r.ceiling.recordsPerS)],
      ...(r.ceiling.oneRecordPerMessage ? [['raw ceiling, one message per record', fmt(r.ceiling.oneRecordPerMessage.recordsPerS ?? 0)] as [string, string]] : []),
      ['ratio stored / ceiling', fmt(r.ratio, 3)],
    ]),
  );
  out.push('');
  const l = r.latencyMs;
  out.push(
    table([
      ['latency (ms)', 'p50', 'p95', 'p99', 'max', 'mean', 'n'],
      latRow('device -> ACK', l['deviceToAck']),
      latRow('device -> actor', l['deviceToActor']),
      latRow('device -> WebSocket', l['deviceToWs']),
      latRow('device -> queryable (SQL)', l['deviceToQueryable']),
      latRow('critical -> alarm event', l['critical']),
      latRow('  device -> platform', l['criticalToPlatform']),
      latRow('  platform -> event', l['criticalInPlatform']),
      latRow('critical -> WebSocket', l['criticalToWs']),
      latRow('critical -> ACK', l['criticalToAck']),
      latRow('live -> ACK', l['liveToAck']),
      latRow('replayed -> ACK', l['replayToAck']),
      ...['osmand', 'teltonika', 'gt06'].map((p) => latRow(`  ACK ${p}`, l[`deviceToAck.${p}`])),
    ]),
  );
  out.push('');
  const cpu = r.cpu;
  const cores = (k: string) => {
    const v = cpu[k];
    return typeof v === 'number' ? fmt(v, 2) : v ? fmt(v.cores, 2) : '-';
  };
  const rss = (k: string) => {
    const v = cpu[k];
    return typeof v === 'object' && v ? mb(v.maxRssBytes) : '-';
  };
  out.push(
    table([
      ['process', 'cores', 'max RSS'],
      ['platform', cores('platform'), rss('platform')],
      ['nats-server', cores('natsServer'), rss('natsServer')],
      ['simulator', cores('simulator'), rss('simulator')],
      ['bench harness', cores('harness'), rss('harness')],
      ['machine busy (all processes)', cores('machine'), ''],
      ['other load on the machine', cores('other'), ''],
    ]),
  );
  const platform = cpu['platform'];
  const byRole = Object.entries(r.loopDelayMs ?? {}).filter(([t, d]) => d.cores !== undefined && t !== 'simulator');
  if (byRole.length > 0 && typeof platform === 'object' && platform) {
    const named = byRole.reduce((n, [, d]) => n + d.cores!, 0);
    out.push(
      `platform threads (cores, of which GC pauses; cores' worth waiting for a CPU): ${byRole
        .sort(([, a], [, b]) => b.cores! - a.cores!)
        .map(([t, d]) => `${t} ${fmt(d.cores!, 2)} (${fmt(d.gcCores ?? 0, 2)}; ${d.waitCores === undefined ? '-' : fmt(d.waitCores, 2)})`)
        .join(', ')}; the rest (V8 helpers, chDB, libuv) ${fmt(Math.max(0, platform.cores - named), 2)}`,
    );
  } else if (typeof platform === 'object' && platform && Object.keys(platform.threads).length > 0) {
    out.push(
      `platform threads (cores): ${Object.entries(platform.threads)
        .slice(0, 8)
        .map(([k, v]) => `${k} ${fmt(v, 2)}`)
        .join(', ')}`,
    );
  }
  const sim = r.loopDelayMs?.['simulator'];
  if (sim?.cores !== undefined) out.push(`simulator's main thread: ${fmt(sim.cores, 2)} cores, ${sim.waitCores === undefined ? '-' : fmt(sim.waitCores, 2)} cores' worth waiting for a CPU`);
  const delays = Object.entries(r.loopDelayMs ?? {}).sort(([a], [b]) => a.localeCompare(b));
  if (delays.length > 0) {
    out.push(
      `event loop delay per thread, ms (max / median of per-second max / longest GC pause / longest full GC; largest heap): ${delays
        .map(([t, d]) => `${t} ${fmt(d.max)} / ${fmt(d.medianOfMax)} / ${fmt(d.gcMax)} / ${d.majorGcMax !== undefined ? fmt(d.majorGcMax) : '-'}; ${d.heapMaxBytes ? mb(d.heapMaxBytes) : '-'}`)
        .join(', ')}`,
    );
  }
  out.push('');
  out.push(
    table([
      ['memory and cost', ''],
      ['live actors', fmt(r.liveActors)],
      ...(r.hibernatingActors !== undefined ? [['of which hibernating (state held as bytes)', fmt(r.hibernatingActors)] as [string, string]] : []),
      ['heap per actor (in-process measurement)', r.heapPerActorBytes === null ? '-' : `${fmt(r.heapPerActorBytes)} B`],
      ['platform RSS (max)', mb(r.rssBytes)],
      ['platform RSS per live actor', r.rssPerActorBytes === null ? '-' : `${fmt(r.rssPerActorBytes)} B`],
      ['platform CPU per record', `${fmt(r.costPerRecord.platformCpuUs, 1)} µs`],
      ['platform + nats CPU per record', `${fmt(r.costPerRecord.serverCpuUs, 1)} µs`],
      ...(r.costPerRecord.platformPerSimulatorCpu !== undefined
        ? [['platform CPU / simulator CPU (same work each run: less host noise)', fmt(r.costPerRecord.platformPerSimulatorCpu, 2)] as [string, string]]
        : []),
      ['drained / stored == acked', `${r.drained ? 'yes' : 'NO'} in ${fmt(r.drainS, 1)} s / ${r.storedEqualsAcked ? 'yes' : 'NO'} (${r.counts['storedIds'] !== undefined ? `${fmt(r.counts['storedIds'])} ids in ${fmt(r.counts['storedRows'] ?? 0)} rows` : fmt(r.counts['stored'])} of ${fmt(r.counts['acked'])})`],
    ]),
  );
  if (r.steps?.length) {
    out.push('');
    out.push(
      table([
        ['peak step', 'offered/s', 'acked/s', 'processed/s', 'stored/s', 'lag start', 'lag end', 'p99 ACK', 'p99 WS', 'cores', 'verdict'],
        ...r.steps.map((s) => [
          `x${s.rateScale}`,
          fmt(s.offeredPerS),
          fmt(s.ackedPerS),
          fmt(s.processedPerS),
          fmt(s.storedPerS),
          fmt(s.lagStart),
          fmt(s.lagEnd),
          fmt(s.latencyMs.deviceToAck.p99, 0),
          fmt(s.latencyMs.deviceToWs.p99, 0),
          fmt(s.platformCores, 2),
          s.sustained ? 'sustained' : `broke: ${s.reason}`,
        ]),
      ]),
    );
  }
  if (r.scale?.length) {
    out.push('');
    out.push(
      table([
        ['scale', 'actors', 'acked/s', 'processed/s', 'stored/s', 'cores', 'µs/record', 'RSS', 'RSS/device', 'p99 ACK', 'p99 WS'],
        ...r.scale.map((s) => [
          fmt(s.devices),
          fmt(s.liveActors),
          fmt(s.recordsPerS.acked),
          fmt(s.recordsPerS.processed),
          fmt(s.recordsPerS.stored),
          fmt(s.platformCores, 2),
          fmt(s.cpuUsPerRecord, 1),
          mb(s.rssBytes),
          `${fmt(s.rssPerDeviceBytes)} B`,
          fmt(s.latencyMs.deviceToAck.p99, 0),
          fmt(s.latencyMs.deviceToWs.p99, 0),
        ]),
      ]),
    );
  }
  if (r.storm) {
    out.push('');
    const { slowestCriticalDuringDrain: slowest, ...storm } = r.storm;
    out.push(`storm: ${Object.entries(storm).map(([k, v]) => `${k} ${typeof v === 'number' ? fmt(v, 1) : typeof v === 'object' ? JSON.stringify(v) : String(v)}`).join(', ')}`);
    if (slowest && slowest.length > 0) {
      out.push('');
      out.push(
        table([
          ['slowest alarms while draining', 's after storm', 'total ms', 'device -> platform', 'platform -> event'],
          ...slowest.map((a) => [a.protocol, fmt(a.afterStormS, 1), fmt(a.totalMs, 1), fmt(a.toPlatformMs, 1), fmt(a.inPlatformMs, 1)]),
        ]),
      );
    }
  }
  if (r.notes.length) {
    out.push('');
    for (const n of r.notes) out.push(`note: ${n}`);
  }
  out.push('');
  out.push(`result ${r.files.json}`);
  out.push(`chart  ${r.files.chart}`);
  return out.join('\n');
}

interface Series {
  name: string;
  color: string;
  values: number[];
}

function panel(title: string, xs: number[], series: Series[], y0: number, w: number, h: number, unit: string): string {
  const left = 70;
  const right = 20;
  const top = 28;
  const bottom = 26;
  const pw = w - left - right;
  const ph = h - top - bottom;
  const xmax = Math.max(1, ...xs);
  const ymax = Math.max(1, ...series.flatMap((s) => s.values.filter(Number.isFinite))) * 1.08;
  const X = (x: number) => left + (x / xmax) * pw;
  const Y = (y: number) => y0 + top + ph - (Math.min(y, ymax) / ymax) * ph;
  const parts: string[] = [];
  parts.push(`<text x="${left}" y="${y0 + 18}" font-size="14" font-weight="bold">${title}</text>`);
  for (let i = 0; i <= 4; i++) {
    const v = (ymax / 4) * i;
    parts.push(`<line x1="${left}" x2="${left + pw}" y1="${Y(v)}" y2="${Y(v)}" stroke="#ddd"/>`);
    parts.push(`<text x="${left - 6}" y="${Y(v) + 4}" font-size="11" text-anchor="end">${fmt(v, v < 10 && v > 0 ? 1 : 0)}</text>`);
  }
  for (let i = 0; i <= 5; i++) {
    const x = (xmax / 5) * i;
    parts.push(`<text x="${X(x)}" y="${y0 + top + ph + 16}" font-size="11" text-anchor="middle">${fmt(x)} s</text>`);
  }
  parts.push(`<text x="12" y="${y0 + top + ph / 2}" font-size="11" transform="rotate(-90 12 ${y0 + top + ph / 2})" text-anchor="middle">${unit}</text>`);
  let lx = left + pw;
  for (const s of [...series].reverse()) {
    const pts = xs.map((x, i) => `${X(x).toFixed(1)},${Y(s.values[i] ?? 0).toFixed(1)}`).join(' ');
    parts.push(`<polyline fill="none" stroke="${s.color}" stroke-width="1.8" points="${pts}"/>`);
    const tw = s.name.length * 6.5 + 24;
    lx -= tw;
    parts.push(`<rect x="${lx}" y="${y0 + 8}" width="12" height="4" fill="${s.color}"/><text x="${lx + 16}" y="${y0 + 14}" font-size="11">${s.name}</text>`);
  }
  return parts.join('\n');
}

/** Centered moving average: the platform's counters move in steps (worker stats each second, store batches), so per-second rates alias. */
function smooth(values: number[], k = 5): number[] {
  const h = Math.floor(k / 2);
  return values.map((_, i) => {
    const w = values.slice(Math.max(0, i - h), i + h + 1);
    return w.reduce((a, b) => a + b, 0) / w.length;
  });
}

export function renderSvg(r: BenchResult): string {
  const tl: TimelinePoint[] = r.timeline;
  const xs = tl.map((p) => p.t);
  const w = 960;
  const h = 230;
  const panels = [
    panel(
      `${r.scenario}: records/s, 5 s average (${fmt(r.devices)} devices; raw JetStream ceiling ${fmt(r.ceiling.recordsPerS)}/s)`,
      xs,
      [
        { name: 'acked', color: '#1f77b4', values: smooth(tl.map((p) => p.ackedPerS)) },
        { name: 'processed', color: '#2ca02c', values: smooth(tl.map((p) => p.processedPerS)) },
        { name: 'stored', color: '#ff7f0e', values: smooth(tl.map((p) => p.storedPerS)) },
      ],
      0,
      w,
      h,
      'records/s',
    ),
    panel(
      'consumer lag and device backlog (records)',
      xs,
      [
        { name: 'consumer lag', color: '#d62728', values: tl.map((p) => p.lag) },
        { name: 'device backlog', color: '#9467bd', values: tl.map((p) => p.backlog) },
      ],
      h,
      w,
      h,
      'records',
    ),
    panel(
      'p99 latency per second (ms)',
      xs,
      [
        { name: 'device->ACK', color: '#1f77b4', values: tl.map((p) => p.p99AckMs) },
        { name: 'device->WS', color: '#8c564b', values: tl.map((p) => p.p99WsMs) },
        { name: 'critical', color: '#d62728', values: tl.map((p) => p.p99CriticalMs) },
      ],
      2 * h,
      w,
      h,
      'ms',
    ),
  ];
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${3 * h}" font-family="sans-serif" viewBox="0 0 ${w} ${3 * h}">\n<rect width="100%" height="100%" fill="white"/>\n${panels.join('\n')}\n</svg>\n`;
}
