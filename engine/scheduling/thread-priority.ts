import fs from 'node:fs';
import os from 'node:os';

/**
 * Scheduling priority of the calling thread (Linux: nice per thread). When
 * the machine is saturated (a reconnect storm draining hours of records),
 * every thread's event loop falls behind together; threads that only drain
 * backlog (shards, the store) run at a lower priority so that the threads an
 * alarm passes through (adapters, urgent lane) still get the CPU at once.
 * Raising nice needs no privilege. Elsewhere (no /proc/thread-self) nothing
 * happens.
 */
export const BULK_NICE = 10;

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
