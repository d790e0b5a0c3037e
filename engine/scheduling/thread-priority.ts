import fs from 'node:fs';
import os from 'node:os';

/**
 * Scheduling priority of the calling thread (Linux: nice per thread), for
 * FLEET_SHARD_NICE. Raising nice needs no privilege; elsewhere (no
 * /proc/thread-self) nothing happens and the caller is told.
 *
 * Shards ran at nice +10 until 2026-12, meant to give the threads an alarm
 * passes through the CPU first when a storm saturates the machine. Measured
 * again with the bench on two cores, it did not: the starved shards let the
 * adapters take the backlog in faster (60-107k records of consumer lag),
 * their own collections and stalls grew, and critical p99 while the backlog
 * drained was 55-78 ms against 49.3 and 49.8 at nice 0, the backlog clearing
 * as soon (236-268 s against 267 and 332 s). Live positions waited seconds at
 * 5,500 records/s (peak broke at x4; sustained at nice 0). So 0 is the default.
 */
export function setThreadNice(nice: number): boolean {
  try {
    const tid = Number(fs.readlinkSync('/proc/thread-self').split('/').pop());
    if (!Number.isInteger(tid) || tid <= 0) return false;
    os.setPriority(tid, nice);
    return true;
  } catch {
    return false;
  }
}
