/**
 * Webhook benchmark (`make bench`, not part of the test run). Runs, in one session on this
 * machine, one process each: the mpstack ingress (real Redis, RabbitMQ, MariaDB; safe
 * mode; keyword rule → encrypted text reply), the `wechat` npm middleware (same messages,
 * same reply), an express hello-world and a bare node:http handler, all driven by wrk with
 * 64 connections. Prints req/s, p50/p99 and server CPU per request, and the ratios.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AmqpQueue } from '@mpstack/common/adapters';
import { decodeReceipts, receiptsDeclaration, receiptsQueue } from '@mpstack/common/contracts';
import { AMQP_BASE_URL, createVhost, deleteVhost } from '@mpstack/testkit';
import { benchAccount, benchKeyword, benchReplyText } from './bench-account.js';
import { checkReply } from './reply-check.js';
import { benchMessagesOf, writeRequestFile } from './request-file.js';
import { cpuMicros, cpuSplitMicros, runWrk, type WrkResult } from './wrk.js';

const runs = Number(process.env.BENCH_RUNS ?? '3');
const seconds = Number(process.env.BENCH_SECONDS ?? '10');
const connections = Number(process.env.BENCH_CONNECTIONS ?? '64');
const requestsPerRun = Number(process.env.BENCH_REQUESTS ?? '160000');
const repo = new URL('../../../', import.meta.url).pathname;
const work = join(tmpdir(), `mpstack-bench-${process.pid}`);
/**
 * The ingress publishes a log event per request; nothing consumes them here. Each run gets a
 * RabbitMQ virtual host of its own, deleted afterwards, so the events neither pile up in the
 * machine's broker nor make later runs publish into an ever longer queue.
 */
const vhostOf = (run: number) => `mpstack_bench_${process.pid}_${run}`;
/** BENCH_MESSAGES=receipts: template-send receipts instead of keyword messages (see request-file.ts). */
const messages = benchMessagesOf(process.env.BENCH_MESSAGES);
const profileDir = process.env.BENCH_PROFILE_DIR === '' ? undefined : process.env.BENCH_PROFILE_DIR;

interface Target {
  readonly name: string;
  readonly port: number;
  readonly path: string;
  readonly webhook: boolean;
  start(run: number): ChildProcess;
}

interface Measured extends WrkResult {
  readonly cpuPerRequestUs: number;
  /** The kernel's part of cpuPerRequestUs (socket system calls). */
  readonly systemPerRequestUs: number;
  readonly redisCpuPerRequestUs: number | undefined;
}

/**
 * BENCH_PORT_BASE (default 18080): the targets listen on it and the next four ports — set
 * another base when a second benchmark may run on the machine at the same time.
 */
const portBase = Number(process.env.BENCH_PORT_BASE ?? '18080');

const node = (script: string, port: number) =>
  spawn(process.execPath, [join(repo, 'test/dist/bench/targets', script), String(port)], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });

const allTargets: readonly Target[] = [
  {
    name: 'mpstack ingress',
    port: portBase,
    path: `/wx/${benchAccount.id}`,
    webhook: true,
    start: (run) => startIngress(portBase, run),
  },
  {
    name: 'wechat 2.1.0 middleware',
    port: portBase + 1,
    path: `/wx/${benchAccount.id}`,
    webhook: true,
    start: () => node('peer-wechat.js', portBase + 1),
  },
  ...baselineTargets(),
  {
    name: 'express hello-world',
    port: portBase + 2,
    path: '/',
    webhook: false,
    start: () => node('express-hello.js', portBase + 2),
  },
  {
    name: 'bare node:http',
    port: portBase + 3,
    path: '/',
    webhook: false,
    start: () => node('bare-http.js', portBase + 3),
  },
];

/**
 * BENCH_TARGETS (comma-separated: ingress, baseline, peer, express, bare) measures only those,
 * e.g. `ingress,baseline` for an A/B of two builds alternating in one session; default all.
 */
const targetKeys = ['ingress', 'peer', 'baseline', 'express', 'bare'] as const;
function keyOf(target: Target): string {
  if (target.name === 'mpstack ingress') return 'ingress';
  if (target.name.startsWith('mpstack ingress @')) return 'baseline';
  if (target.name.startsWith('wechat')) return 'peer';
  if (target.name.startsWith('express')) return 'express';
  return 'bare';
}
const selected = (process.env.BENCH_TARGETS ?? '').split(',').filter((key) => key !== '');
for (const key of selected) {
  if (!(targetKeys as readonly string[]).includes(key)) throw new Error(`BENCH_TARGETS: unknown ${key}`);
}
const targets = allTargets.filter((target) => selected.length === 0 || selected.includes(keyOf(target)));

/**
 * The ingress as it was at `BENCH_BASELINE_REF` (built by run-webhook-bench.sh into
 * `BENCH_BASELINE_DIR`), measured in the same session, so a change's cost is a ratio of the
 * same run rather than of two days on shared cores. Its own database: its migrations differ.
 */
function baselineTargets(): Target[] {
  const dir = process.env.BENCH_BASELINE_DIR;
  const ref = process.env.BENCH_BASELINE_REF ?? 'baseline';
  if (dir === undefined || dir === '') return [];
  return [
    {
      name: `mpstack ingress @${ref}`,
      port: portBase + 4,
      path: `/wx/${benchAccount.id}`,
      webhook: true,
      // A database per ref: a later build's migrations would make an earlier one refuse to start.
      start: (run) =>
        startIngress(portBase + 4, run, { root: dir, database: `mpstack_bench_baseline_${ref.replace(/\W/g, '_')}` }),
    },
  ];
}

function startIngress(
  port: number,
  run: number,
  build: { readonly root: string; readonly database: string } = { root: repo, database: 'mpstack_bench' },
): ChildProcess {
  execFileSync('mariadb', ['-uroot', '-h127.0.0.1', '-e', `CREATE DATABASE IF NOT EXISTS ${build.database}`]);
  const seed = join(work, 'seed.json');
  writeFileSync(
    seed,
    JSON.stringify({
      accounts: [
        {
          ...benchAccount,
          rules: [
            {
              kind: 'keyword',
              matchType: 'exact',
              keyword: benchKeyword,
              reply: { type: 'text', content: benchReplyText },
            },
          ],
        },
      ],
    }),
  );
  // BENCH_PROFILE_DIR: a CPU profile of each ingress over its measured run (see profile-on-signal.ts).
  const nodeArgs = profileDir === undefined ? [] : ['--import', join(repo, 'test/dist/bench/profile-on-signal.js')];
  return spawn(process.execPath, [...nodeArgs, join(build.root, 'services/cli/bin/mpstack.js'), 'run', 'ingress'], {
    stdio: ['ignore', 'inherit', 'inherit'],
    env: {
      ...process.env,
      MPSTACK_INGRESS_PORT: String(port),
      MPSTACK_DATABASE_URL: `mysql://root@127.0.0.1:3306/${build.database}`,
      MPSTACK_REDIS_URL: 'redis://127.0.0.1:6379',
      MPSTACK_AMQP_URL: `${AMQP_BASE_URL}/${vhostOf(run)}`,
      MPSTACK_KEY_PREFIX: `bench:${process.pid}:${run}:`,
      MPSTACK_SEED_FILE: seed,
      MPSTACK_DATA_DIR: join(work, 'data'),
      MPSTACK_LOG_LEVEL: 'warn',
    },
  });
}

async function waitUntilUp(port: number, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`target exited with ${child.exitCode}`);
    const ok = await fetch(`http://127.0.0.1:${port}/readyz`).then(
      () => true,
      () => false,
    );
    if (ok) return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`target on port ${port} did not start`);
}

function redisPid(): number | undefined {
  try {
    return Number(execFileSync('pgrep', ['-o', 'redis-server']).toString().trim());
  } catch {
    return undefined;
  }
}

/** With BENCH_PROFILE_DIR, starts or stops (and lets it write) the ingress's CPU profile; see profile-on-signal.ts. */
async function toggleProfile(child: ChildProcess, isIngress: boolean, step: 'start' | 'stop'): Promise<void> {
  if (profileDir === undefined || !isIngress) return;
  child.kill('SIGUSR2');
  if (step === 'stop') await new Promise((resolve) => setTimeout(resolve, 2_000));
}

/** Checks the target's answer, then writes the warm-up and the measured request files; returns the latter. */
async function prepareRequests(target: Target, run: number, url: string): Promise<string> {
  await checkReply(url, messages);
  await writeRequestFile(join(work, 'warm.txt'), target.path, 30_000, `7${run}1`, messages);
  const requestFile = join(work, 'main.txt');
  await writeRequestFile(requestFile, target.path, requestsPerRun, `7${run}2`, messages);
  return requestFile;
}

async function measure(target: Target, run: number): Promise<Measured> {
  const isIngress = target.name.startsWith('mpstack');
  if (isIngress) await createVhost(vhostOf(run));
  const child = target.start(run);
  try {
    await waitUntilUp(target.port, child);
    const url = `http://127.0.0.1:${target.port}${target.path}`;
    const requestFile = target.webhook ? await prepareRequests(target, run, url) : undefined;
    const base = `http://127.0.0.1:${target.port}`;
    const warm = target.webhook ? join(work, 'warm.txt') : undefined;
    await runWrk({
      url: target.webhook ? base : url,
      seconds: 3,
      connections,
      threads: 2,
      ...(warm ? { requestFile: warm } : {}),
    });
    const pid = child.pid as number;
    const redis = target.webhook && target.name.startsWith('mpstack') ? redisPid() : undefined;
    await toggleProfile(child, isIngress, 'start');
    const cpuBefore = cpuSplitMicros(pid);
    const redisBefore = redis === undefined ? 0 : cpuMicros(redis);
    const result = await runWrk({
      url: target.webhook ? base : url,
      seconds,
      connections,
      threads: 2,
      ...(requestFile ? { requestFile } : {}),
    });
    const cpuAfter = cpuSplitMicros(pid);
    const cpu = cpuAfter.user + cpuAfter.system - cpuBefore.user - cpuBefore.system;
    await toggleProfile(child, isIngress, 'stop');
    const redisCpu = redis === undefined ? undefined : cpuMicros(redis) - redisBefore;
    if (isIngress && messages === 'receipts') await checkReceiptsQueued(vhostOf(run), result.requests);
    if (result.requests > requestsPerRun && target.webhook) {
      process.stderr.write(`warning: ${target.name} wrapped around the request file; raise BENCH_REQUESTS\n`);
    }
    return {
      ...result,
      cpuPerRequestUs: cpu / result.requests,
      systemPerRequestUs: (cpuAfter.system - cpuBefore.system) / result.requests,
      redisCpuPerRequestUs: redisCpu === undefined ? undefined : redisCpu / result.requests,
    };
  } finally {
    child.kill('SIGTERM');
    await new Promise((resolve) => (child.exitCode !== null ? resolve(undefined) : child.once('exit', resolve)));
    if (isIngress) await deleteVhost(vhostOf(run));
  }
}

/**
 * A receipt answered `success` but not handed to the outbound pipeline would be a fast wrong
 * server: after the run, the receipt queue must hold at least the measured requests' receipts
 * (warm-up and check requests come on top). Read by consuming it: the ingress's messages hold
 * groups of receipts (an older baseline's hold one each), so its message count says nothing.
 */
async function checkReceiptsQueued(vhost: string, measured: number): Promise<void> {
  const queue = new AmqpQueue({ url: `${AMQP_BASE_URL}/${vhost}`, connectionName: 'mpstack-bench-receipts' });
  let queued = 0;
  try {
    await queue.waitUntilConnected(5_000);
    await queue.declare([receiptsDeclaration]);
    await queue.consume(
      receiptsQueue,
      async (delivery) => {
        queued += decodeReceipts(delivery.body).receipts.length;
        return { action: 'ack' };
      },
      { prefetch: 500 },
    );
    const deadline = Date.now() + 20_000;
    while (queued < measured && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 200));
  } finally {
    await queue.close();
  }
  if (queued < measured)
    throw new Error(`only ${queued} receipts reached ${receiptsQueue} after ${measured} measured requests`);
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

async function main(): Promise<void> {
  mkdirSync(join(work, 'data'), { recursive: true });
  const results = new Map<string, Measured[]>();
  for (let run = 1; run <= runs; run++) {
    for (const target of targets) {
      const measured = await measure(target, run);
      results.set(target.name, [...(results.get(target.name) ?? []), measured]);
      console.log(
        `run ${run} ${target.name.padEnd(26)} ${String(measured.requests).padStart(7)} requests ${measured.requestsPerSecond.toFixed(0).padStart(7)} req/s  p50 ${measured.p50Ms.toFixed(2)} ms  p99 ${measured.p99Ms.toFixed(2)} ms  ${measured.cpuPerRequestUs.toFixed(0)} µs CPU/req (${measured.systemPerRequestUs.toFixed(0)} system${measured.redisCpuPerRequestUs === undefined ? '' : `, +${measured.redisCpuPerRequestUs.toFixed(0)} redis`})  errors ${measured.errors}`,
      );
    }
  }
  report(results);
  rmSync(work, { recursive: true, force: true });
}

function report(results: Map<string, Measured[]>): void {
  const summary = [...results].map(([name, list]) => ({
    name,
    rps: median(list.map((m) => m.requestsPerSecond)),
    p50: median(list.map((m) => m.p50Ms)),
    p99: median(list.map((m) => m.p99Ms)),
    cpu: median(list.map((m) => m.cpuPerRequestUs)),
    redis:
      list[0]?.redisCpuPerRequestUs === undefined ? undefined : median(list.map((m) => m.redisCpuPerRequestUs ?? 0)),
    errors: list.reduce((sum, m) => sum + m.errors, 0),
  }));
  console.log(`\nmedian of ${runs} run(s), wrk -t2 -c${connections} -d${seconds}s, one process per server\n`);
  console.log('| handler | req/s | p50 | p99 | server CPU / request | errors |');
  console.log('|---|---:|---:|---:|---:|---:|');
  for (const s of summary) {
    const extra = s.redis === undefined ? '' : ` (+${s.redis.toFixed(0)} µs in redis-server)`;
    console.log(
      `| ${s.name} | ${s.rps.toFixed(0)} | ${s.p50.toFixed(2)} ms | ${s.p99.toFixed(2)} ms | ${s.cpu.toFixed(0)} µs${extra} | ${s.errors} |`,
    );
  }
  const ours = summary.find((s) => s.name === 'mpstack ingress');
  const peer = summary.find((s) => s.name.startsWith('wechat'));
  const before = summary.find((s) => s.name.startsWith('mpstack ingress @'));
  if (ours !== undefined && before !== undefined) {
    console.log(
      `\nthis build / ${before.name.slice('mpstack ingress '.length)}: ${(ours.rps / before.rps).toFixed(2)}× req/s, ` +
        `${ours.cpu.toFixed(0)} vs ${before.cpu.toFixed(0)} µs CPU per request, p99 ${ours.p99.toFixed(1)} vs ${before.p99.toFixed(1)} ms` +
        (peer === undefined
          ? ''
          : `; vs the peer ${(ours.rps / peer.rps).toFixed(2)}× now, ${(before.rps / peer.rps).toFixed(2)}× before`),
    );
  }
  if (ours !== undefined && peer !== undefined) {
    console.log(
      `\ningress / peer: ${(ours.rps / peer.rps).toFixed(2)}× req/s, ${(peer.cpu / ours.cpu).toFixed(2)}× less CPU per request, p99 ${ours.p99.toFixed(1)} ms vs ${peer.p99.toFixed(1)} ms`,
    );
    for (const ceiling of summary.filter((s) => s.name === 'express hello-world' || s.name === 'bare node:http')) {
      console.log(
        `ingress / ${ceiling.name}: ${(ours.rps / ceiling.rps).toFixed(2)}× req/s, ${(ours.cpu / ceiling.cpu).toFixed(2)}× its CPU per request`,
      );
    }
    // Issue 2's target, at the default load (64 connections): ≥ 3× the peer's req/s, p99 ≤ 20 ms.
    const ratioMet = ours.rps >= 3 * peer.rps;
    const p99Met = ours.p99 <= 20;
    console.log(
      `target (≥ 3× the peer's req/s, p99 ≤ 20 ms at ${connections} connections): ` +
        `${ratioMet && p99Met ? 'met' : 'NOT met'} (${(ours.rps / peer.rps).toFixed(2)}×, p99 ${ours.p99.toFixed(1)} ms)`,
    );
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
