// Loaded with NODE_OPTIONS="--import .../cpu-profile-hook.mjs" (node refuses --cpu-prof in NODE_OPTIONS):
// profiles this thread (main or worker) with the inspector from the moment it starts, for
// BENCH_CPU_PROF_MS milliseconds or until the process gets SIGUSR2 (the harness sends it when the
// measured window ends), then writes BENCH_CPU_PROF_DIR/<pid>-<thread>.cpuprofile.
import fs from 'node:fs';
import path from 'node:path';
import { Session } from 'node:inspector';
import { isMainThread, threadId } from 'node:worker_threads';

const dir = process.env.BENCH_CPU_PROF_DIR;
const ms = Number(process.env.BENCH_CPU_PROF_MS ?? 60_000);
if (dir) {
  const session = new Session();
  session.connect();
  session.post('Profiler.enable');
  session.post('Profiler.setSamplingInterval', { interval: 1000 });
  session.post('Profiler.start');
  let written = false;
  const write = () => {
    if (written) return;
    written = true;
    // Session.post calls back synchronously within the same thread, so this works in 'exit' too.
    session.post('Profiler.stop', (err, res) => {
      if (err || !res) return;
      fs.mkdirSync(dir, { recursive: true });
      const name = `${process.pid}-${isMainThread ? 'main' : `worker${threadId}`}.cpuprofile`;
      fs.writeFileSync(path.join(dir, name), JSON.stringify(res.profile));
    });
  };
  setTimeout(write, ms).unref();
  process.once('exit', write);
  // A terminated worker never sees 'exit': every thread listens for the main thread's word.
  const channel = new BroadcastChannel('fleetline-bench-cpu-prof');
  channel.onmessage = () => write();
  channel.unref();
  if (isMainThread) {
    process.on('SIGUSR2', () => {
      channel.postMessage('write');
      write();
    });
  }
}
