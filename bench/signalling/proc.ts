// What a server process costs, read from /proc: CPU time (user + system, all threads) and RSS.
import { readFileSync } from 'node:fs';

/** Clock ticks per second of /proc/<pid>/stat: 100 on Linux (USER_HZ). */
const TICKS_PER_SECOND = 100;

/** CPU time used so far by the process, in milliseconds (10 ms resolution). */
export function cpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name (field 2) may hold spaces and parentheses: count fields after its last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  return ((utime + stime) * 1000) / TICKS_PER_SECOND;
}

/** CPU time used by all of these processes together, in milliseconds. */
export const totalCpuMs = (pids: readonly number[]) => pids.reduce((sum, pid) => sum + cpuMs(pid), 0);

/** Resident memory of the process, in bytes. */
export function rssBytes(pid: number): number {
  const match = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!match) throw new Error(`no VmRSS for process ${pid}`);
  return Number(match[1]) * 1024;
}

/**
 * Waits until the processes stop using CPU (two readings 100 ms apart agree), so that work left
 * over from one phase (closing sockets, timers) is not counted in the next. Gives up after `maxMs`.
 */
export async function settle(pids: readonly number[], maxMs = 3_000): Promise<void> {
  const deadline = Date.now() + maxMs;
  let last = totalCpuMs(pids);
  while (Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    const now = totalCpuMs(pids);
    if (now === last) return;
    last = now;
  }
}

/** The soft and hard limits on open files of this process. */
export function openFileLimits(): { soft: number; hard: number } {
  const line = /^Max open files\s+(\S+)\s+(\S+)/m.exec(readFileSync('/proc/self/limits', 'utf8'));
  const value = (text: string | undefined) => (text === undefined || text === 'unlimited' ? Infinity : Number(text));
  return { soft: value(line?.[1]), hard: value(line?.[2]) };
}

let fileLimit = 0;
/** Processes started with nodeCommand from now on may open this many files (the idle workload needs one per peer). */
export function raiseFileLimitTo(limit: number) {
  fileLimit = limit;
}

/** The command that runs node with these arguments, under the raised limit on open files if any. */
export function nodeCommand(args: string[]): [string, string[]] {
  return fileLimit > 0 ? ['sh', ['-c', `ulimit -n ${fileLimit} && exec "$0" "$@"`, process.execPath, ...args]] : [process.execPath, args];
}
