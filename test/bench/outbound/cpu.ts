import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

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

/** A CPU meter over this process and the servers: `stop()` gives seconds used by each since `start`. */
export function cpuMeter(children: () => readonly number[] = () => []) {
  const servers = serverPids();
  const read = () => ({
    self: process.cpuUsage(),
    children: children().reduce((sum, pid) => sum + processCpuSeconds(pid), 0),
    servers: Object.fromEntries(
      Object.entries(servers).map(([name, pids]) => [name, pids.reduce((sum, pid) => sum + processCpuSeconds(pid), 0)]),
    ),
  });
  const start = read();
  return {
    stop() {
      const end = read();
      const self = (end.self.user - start.self.user + end.self.system - start.self.system) / 1e6;
      const servers = Object.fromEntries(
        Object.keys(end.servers).map((name) => [name, (end.servers[name] ?? 0) - (start.servers[name] ?? 0)]),
      );
      const total = self + (end.children - start.children) + Object.values(servers).reduce((a, b) => a + b, 0);
      return { self, children: end.children - start.children, servers, total };
    },
  };
}
