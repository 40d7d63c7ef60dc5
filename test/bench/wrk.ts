import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface WrkResult {
  readonly requests: number;
  readonly requestsPerSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly errors: number;
}

export interface WrkOptions {
  readonly url: string;
  readonly seconds: number;
  readonly connections: number;
  readonly threads: number;
  /** A request file for wrk-requests.lua (POSTs); none = plain GET of `url`. */
  readonly requestFile?: string;
}

export async function runWrk(options: WrkOptions): Promise<WrkResult> {
  const args = [
    `-t${options.threads}`,
    `-c${options.connections}`,
    `-d${options.seconds}s`,
    '--latency',
    '--timeout',
    '10s',
  ];
  if (options.requestFile !== undefined) {
    const script = new URL('../../bench/wrk-requests.lua', import.meta.url).pathname;
    args.push('-s', script, options.url, '--', options.requestFile, String(options.threads));
  } else {
    args.push(options.url);
  }
  const { stdout } = await run('wrk', args, { maxBuffer: 16 * 1024 * 1024 });
  return parseWrk(stdout);
}

function toMs(value: string): number {
  const match = /^([\d.]+)(us|ms|s|m)$/.exec(value.trim());
  if (match === null) return Number.NaN;
  const n = Number(match[1]);
  return match[2] === 'us' ? n / 1000 : match[2] === 'ms' ? n : match[2] === 's' ? n * 1000 : n * 60_000;
}

export function parseWrk(output: string): WrkResult {
  const rps = /Requests\/sec:\s+([\d.]+)/.exec(output);
  const total = /(\d+) requests in/.exec(output);
  const p50 = /^\s+50%\s+(\S+)/m.exec(output);
  const p99 = /^\s+99%\s+(\S+)/m.exec(output);
  const non2xx = /Non-2xx or 3xx responses:\s+(\d+)/.exec(output);
  const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(output);
  const socketErrors = socket === null ? 0 : socket.slice(1).reduce((sum, n) => sum + Number(n), 0);
  if (rps === null || total === null || p50 === null || p99 === null)
    throw new Error(`unparsable wrk output:\n${output}`);
  return {
    requests: Number(total[1]),
    requestsPerSecond: Number(rps[1]),
    p50Ms: toMs(p50[1] ?? ''),
    p99Ms: toMs(p99[1] ?? ''),
    errors: Number(non2xx?.[1] ?? 0) + socketErrors,
  };
}

/** CPU time (user + system) of a process so far, in microseconds. */
export function cpuMicros(pid: number): number {
  const { user, system } = cpuSplitMicros(pid);
  return user + system;
}

/** User and system CPU time of a process so far, in microseconds (clock ticks of 10 ms). */
export function cpuSplitMicros(pid: number): { readonly user: number; readonly system: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { user: (Number(fields[11]) * 1_000_000) / 100, system: (Number(fields[12]) * 1_000_000) / 100 };
}
