// CPU time and memory of a process, read from /proc (Linux): utime+stime from /proc/<pid>/stat,
// VmRSS and VmHWM (peak resident set) from /proc/<pid>/status, and how often its threads went to
// sleep or were put aside (context switches, summed over /proc/<pid>/task/*/status): each sleep is a
// wake-up later, which costs the kernel and the process's caches more than the work it brings when
// that work is small.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';

export interface ProcSample {
  at: number;
  cpuMs: number;
  /** Of cpuMs, the time spent in the kernel (stime). */
  sysMs: number;
  rssKb: number;
  peakKb: number;
  /** Voluntary context switches of all its threads: each a sleep, so a wake-up after. */
  sleeps: number;
  /** Involuntary ones: a thread put aside for another (the cores were full). */
  preempted: number;
}

export interface ProcessUsage {
  name: string;
  pid: number;
  cpuSeconds: number;
  /** CPU time over wall time: 100 = one core busy the whole scenario. */
  cpuPercent: number;
  /** Null for a group of processes (shared memory would be counted once per process). */
  rssMb: number | null;
  peakMb: number | null;
  /** True when the peak could be reset before the scenario (else it is the peak since the process began). */
  peakIsScenarios: boolean;
  /** Of cpuSeconds, the share spent in the kernel (%). */
  sysPercent: number;
  /** Context switches over the run (ProcSample). */
  sleeps: number;
  preempted: number;
}

let ticksPerSecond: number | undefined;

function clockTicks(): number {
  if (ticksPerSecond === undefined) {
    try {
      ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      ticksPerSecond = 100;
    }
  }
  return ticksPerSecond;
}

export function sampleProc(pid: number): ProcSample | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name may hold spaces and parentheses: fields are counted after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]); // utime, stime (fields 14, 15)
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    return {
      at: Date.now(),
      cpuMs: (ticks * 1000) / clockTicks(),
      sysMs: (Number(fields[12]) * 1000) / clockTicks(),
      rssKb: statusKb(status, 'VmRSS'),
      peakKb: statusKb(status, 'VmHWM'),
      ...switchesOf(pid),
    };
  } catch {
    return null;
  }
}

/** Context switches of every thread of the process (threads that ended meanwhile take theirs along). */
export function switchesOf(pid: number): { sleeps: number; preempted: number } {
  let sleeps = 0;
  let preempted = 0;
  let tasks: string[];
  try {
    tasks = readdirSync(`/proc/${pid}/task`);
  } catch {
    return { sleeps, preempted };
  }
  for (const task of tasks) {
    try {
      const status = readFileSync(`/proc/${pid}/task/${task}/status`, 'utf8');
      sleeps += statusCount(status, 'voluntary_ctxt_switches');
      preempted += statusCount(status, 'nonvoluntary_ctxt_switches');
    } catch {
      // the thread ended while we looked
    }
  }
  return { sleeps, preempted };
}

/**
 * Proportional set size in kB (/proc/<pid>/smaps_rollup): resident memory with each shared page
 * divided among the processes that map it, so the PSS of several processes adds up. Null if unreadable.
 */
export function pssKb(pid: number): number | null {
  try {
    const m = /^Pss:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'));
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
}

/** Resets VmHWM to the current RSS (writing 5 to clear_refs); false where the kernel or rights refuse. */
export function resetPeak(pid: number): boolean {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}

/** The soft limit on open files: a gateway cannot hold more connections than this. */
export function openFilesLimit(pid: number): number | null {
  try {
    const line = readFileSync(`/proc/${pid}/limits`, 'utf8')
      .split('\n')
      .find((l) => l.startsWith('Max open files'));
    const soft = line?.slice('Max open files'.length).trim().split(/\s+/)[0];
    return soft && /^\d+$/.test(soft) ? Number(soft) : null;
  } catch {
    return null;
  }
}

/**
 * CPU time of every process named `comm` together (e.g. all Postgres backends): shared services the
 * harness did not start but the system under test leans on. Processes that exit between two samples
 * take their CPU time with them, so this is a lower bound.
 */
export function sampleGroup(comm: string): ProcSample | null {
  let ticks = 0;
  let sysTicks = 0;
  let sleeps = 0;
  let preempted = 0;
  let found = 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      if (stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')) !== comm) continue;
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      ticks += Number(fields[11]) + Number(fields[12]);
      sysTicks += Number(fields[12]);
      const switches = switchesOf(Number(entry));
      sleeps += switches.sleeps;
      preempted += switches.preempted;
      found++;
    } catch {
      // the process ended while we looked
    }
  }
  return found > 0 ? { at: Date.now(), cpuMs: (ticks * 1000) / clockTicks(), sysMs: (sysTicks * 1000) / clockTicks(), rssKb: 0, peakKb: 0, sleeps, preempted } : null;
}

/** The kernel's share of the CPU time between two samples (%), and their context switches. */
function kernelAndSwitches(before: ProcSample, after: ProcSample): Pick<ProcessUsage, 'sysPercent' | 'sleeps' | 'preempted'> {
  const cpuMs = after.cpuMs - before.cpuMs;
  return {
    sysPercent: cpuMs > 0 ? round((Math.max(0, after.sysMs - before.sysMs) / cpuMs) * 100, 0) : 0,
    sleeps: Math.max(0, after.sleeps - before.sleeps),
    preempted: Math.max(0, after.preempted - before.preempted),
  };
}

export function groupUsageBetween(name: string, before: ProcSample, after: ProcSample): ProcessUsage {
  const cpuSeconds = Math.max(0, (after.cpuMs - before.cpuMs) / 1000);
  const wallSeconds = Math.max((after.at - before.at) / 1000, 0.001);
  return {
    name,
    pid: -1,
    cpuSeconds: round(cpuSeconds, 2),
    cpuPercent: round((cpuSeconds / wallSeconds) * 100, 1),
    rssMb: null,
    peakMb: null,
    peakIsScenarios: false,
    ...kernelAndSwitches(before, after),
  };
}

export function usageBetween(name: string, pid: number, before: ProcSample, after: ProcSample, peakIsScenarios: boolean): ProcessUsage {
  const cpuSeconds = (after.cpuMs - before.cpuMs) / 1000;
  const wallSeconds = Math.max((after.at - before.at) / 1000, 0.001);
  return {
    name,
    pid,
    cpuSeconds: round(cpuSeconds, 2),
    cpuPercent: round((cpuSeconds / wallSeconds) * 100, 1),
    rssMb: round(after.rssKb / 1024, 1),
    peakMb: round(after.peakKb / 1024, 1),
    peakIsScenarios,
    ...kernelAndSwitches(before, after),
  };
}

function statusCount(status: string, key: string): number {
  const match = new RegExp(`^${key}:\\s+(\\d+)`, 'm').exec(status);
  return match ? Number(match[1]) : 0;
}

function statusKb(status: string, key: string): number {
  const match = new RegExp(`^${key}:\\s+(\\d+)\\s+kB`, 'm').exec(status);
  return match ? Number(match[1]) : 0;
}

function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

/** Busy and total jiffies of all CPUs together, from the first line of /proc/stat. */
function machineTicks(): { busy: number; total: number } | null {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n')[0];
    const v = line.trim().split(/\s+/).slice(1).map(Number); // user nice system idle iowait irq softirq steal ...
    const total = v.slice(0, 8).reduce((a, b) => a + b, 0);
    return { busy: total - v[3] - v[4], total };
  } catch {
    return null;
  }
}

/**
 * Waits until the whole machine is nearly idle (below `busyBelow`, a fraction of all cores, over a
 * `windowMs` window) or `maxMs` passed. The system under test may still be working through requests
 * whose clients gave up; the next run must not pay for them. Returns the last busy fraction seen.
 */
export async function waitForQuiet(maxMs: number, busyBelow = 0.15, windowMs = 500): Promise<{ quiet: boolean; busy: number; waitedMs: number }> {
  const start = Date.now();
  let busy = 1;
  while (Date.now() - start < maxMs) {
    const a = machineTicks();
    await new Promise((resolve) => setTimeout(resolve, windowMs));
    const b = machineTicks();
    if (!a || !b || b.total === a.total) return { quiet: true, busy: 0, waitedMs: Date.now() - start };
    busy = (b.busy - a.busy) / (b.total - a.total);
    if (busy < busyBelow) return { quiet: true, busy, waitedMs: Date.now() - start };
  }
  return { quiet: false, busy, waitedMs: Date.now() - start };
}

/**
 * The names target-run.ts gives the processes of a run: the target's own as they are (its services,
 * 'rtcroom' in one process, the floor), the bench's clients and the shared groups in parentheses.
 */
export const isTargetProcess = (name: string): boolean => !name.startsWith('(');
export const isClientProcess = (name: string): boolean => name.startsWith('(client');
