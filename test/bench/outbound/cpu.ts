import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

/** CPU seconds (user + system) a process has used, from /proc (clock ticks of 100 Hz). */
export function processCpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return 0;
  }
}

/** The pids of the shared servers a send goes through (MariaDB, Redis, RabbitMQ's Erlang VM). */
export function serverPids(): Record<string, number[]> {
  const pidsOf = (pattern: string) => {
    try {
      return execFileSync('pgrep', ['-f', pattern], { encoding: 'utf8' })
        .trim()
        .split('\n')
        .filter((line) => line !== '')
        .map(Number);
    } catch {
      return [];
    }
  };
  return { mariadb: pidsOf('mariadbd'), redis: pidsOf('redis-server'), rabbitmq: pidsOf('beam.smp') };
}

type Seconds = Record<string, number>;

/** Each server's CPU seconds per pid: a pid that went away meanwhile (a server restarted) reads 0. */
type PidSeconds = Record<string, Map<number, number>>;

function serverSeconds(servers: Record<string, number[]>): PidSeconds {
  return Object.fromEntries(
    Object.entries(servers).map(([name, pids]) => [name, new Map(pids.map((pid) => [pid, processCpuSeconds(pid)]))]),
  );
}

/**
 * Each server's CPU seconds between two readings, summed over its pids: a pid gone by the second
 * reading counts nothing (its last seconds are unknown) instead of minus everything it had used —
 * which made a server's figure negative when a test elsewhere restarted it during a run.
 */
function serverDiff(start: PidSeconds, end: PidSeconds): Seconds {
  return Object.fromEntries(
    Object.entries(end).map(([name, pids]) => {
      let sum = 0;
      for (const [pid, seconds] of pids) {
        const before = start[name]?.get(pid);
        if (before !== undefined && seconds >= before) sum += seconds - before;
      }
      return [name, sum];
    }),
  );
}

/**
 * What the shared servers spend per second while this benchmark does nothing: on a machine
 * other sessions use too, their queries land on the same MariaDB / Redis / RabbitMQ, and this
 * rate times the run's duration is subtracted from the servers' figures (both are printed).
 */
export async function serverBackground(ms: number): Promise<Seconds> {
  const servers = serverPids();
  const start = serverSeconds(servers);
  await sleep(ms);
  const end = serverSeconds(servers);
  return Object.fromEntries(Object.entries(serverDiff(start, end)).map(([name, s]) => [name, s / (ms / 1000)]));
}

export interface CpuReading {
  /** This process (the simulator, and whatever else the benchmark runs in it). */
  readonly self: number;
  /** Each named child process. */
  readonly processes: Seconds;
  /** The shared servers, as measured (including other users of them). */
  readonly servers: Seconds;
  readonly seconds: number;
}

/**
 * A CPU meter over this process, named child processes and the shared servers: `stop()` gives
 * the seconds each used since the meter started, and the wall time.
 */
export function cpuMeter(processes: Record<string, () => number | undefined>) {
  const servers = serverPids();
  const read = () => ({
    self: process.cpuUsage(),
    processes: Object.fromEntries(
      Object.entries(processes).map(([name, pid]) => {
        const id = pid();
        return [name, id === undefined ? 0 : processCpuSeconds(id)];
      }),
    ),
    servers: serverSeconds(servers),
    at: performance.now(),
  });
  const start = read();
  return {
    stop(): CpuReading {
      const end = read();
      const diff = (a: Seconds, b: Seconds) =>
        Object.fromEntries(Object.keys(b).map((name) => [name, (b[name] ?? 0) - (a[name] ?? 0)]));
      return {
        self: (end.self.user - start.self.user + end.self.system - start.self.system) / 1e6,
        processes: diff(start.processes, end.processes),
        servers: serverDiff(start.servers, end.servers),
        seconds: (end.at - start.at) / 1000,
      };
    },
  };
}
