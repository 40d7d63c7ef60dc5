/**
 * Failover benchmark (not part of the test run): two real MariaDB 10.11 processes driven
 * by the operator's MySQL logic with DEFAULT settings (3 failed probes, 5 s probe interval,
 * Kubernetes corroboration, semi-sync AFTER_SYNC on). Per trial: bootstrap, a steady insert
 * load from several clients on the writer, `kill -9` of the writer, then measures the time
 * from the kill until the passive accepts writes, and compares every acknowledged insert
 * with the rows present on the new writer.
 *
 * The kubelet is simulated: a pod turns NotReady `KUBELET_DELAY_MS` after its process died
 * (the kubelet's container-state relist runs every second), and the killed process is not
 * restarted during the measurement (a pod that does not come back quickly).
 *
 * Run: `npx tsc -b && node test/dist/bench/failover/failover.js` (env: TRIALS, CLIENTS, LOAD_MS).
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import mysql from 'mysql2/promise';
// biome-ignore lint/style/noRestrictedImports: the failover bench drives the operator's own MySQL test harness, which no package exports.
import type { OperatorLoop } from '../../../operator/dist/test/mysql/operator-loop.js';

type MysqlApi = typeof import('../../../operator/dist/src/mysql/index.js');
type Harness = typeof import('../../../operator/dist/test/mysql/mariadb-harness.js');
type Load = typeof import('../../../operator/dist/test/mysql/load.js');
type Loop = typeof import('../../../operator/dist/test/mysql/operator-loop.js');
type MariadbPair = Awaited<ReturnType<Harness['startMariadbPair']>>;
type InsertLoad = ReturnType<Load['startInsertLoad']>;

/** The repo root (the directory holding .mocharc.cjs), so this works from src and dist. */
function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, '.mocharc.cjs'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error('repo root not found');
    dir = up;
  }
  return dir;
}

// The operator package exports no MySQL API yet, so its compiled files are loaded by path.
const operatorDist = join(repoRoot(), 'operator/dist');
const load = async <T>(path: string): Promise<T> => (await import(pathToFileURL(join(operatorDist, path)).href)) as T;
const { defaultMysqlSettings, initialMysqlState } = await load<MysqlApi>('src/mysql/index.js');
const { isRunning, killServer, startMariadbPair, stopPair } = await load<Harness>('test/mysql/mariadb-harness.js');
const { createAppSchema, orderIds, sqlOn, startInsertLoad } = await load<Load>('test/mysql/load.js');
const { conditionOf, createLoop, runRound } = await load<Loop>('test/mysql/operator-loop.js');

const trials = Number(process.env.TRIALS ?? '3');
const clients = Number(process.env.CLIENTS ?? '4');
const loadMs = Number(process.env.LOAD_MS ?? '5000');
const kubeletDelayMs = Number(process.env.KUBELET_DELAY_MS ?? '1000');
const intervalMs = defaultMysqlSettings.probeIntervalSeconds * 1000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Trial {
  readonly killToWritableMs: number;
  readonly acked: number;
  readonly lost: number;
  readonly presentBeyondAcked: number;
  readonly semiSyncAckedTx: number;
  readonly semiSyncStatusAtKill: string;
}

/** The operator's reconcile loop at the default probe interval, in the background. */
function runOperator(loop: OperatorLoop): { stop(): Promise<void> } {
  let stopped = false;
  const done = (async () => {
    const start = Date.now();
    for (let k = 1; !stopped; k += 1) {
      await runRound(loop);
      await sleep(Math.max(0, start + k * intervalMs - Date.now()));
    }
  })();
  return {
    stop: async () => {
      stopped = true;
      await done;
    },
  };
}

/** The simulated kubelet: NotReady once the process has been dead for kubeletDelayMs. */
function runKubelet(pair: MariadbPair, loop: OperatorLoop): () => void {
  const deadSince = new Map<string, number>();
  const timer = setInterval(() => {
    for (const s of pair.servers) {
      if (isRunning(s)) deadSince.delete(s.pod);
      else if (!deadSince.has(s.pod)) deadSince.set(s.pod, Date.now());
      const since = deadSince.get(s.pod);
      loop.kube[s.pod] = since !== undefined && Date.now() - since >= kubeletDelayMs ? 'notReady' : 'ready';
    }
  }, 50);
  return () => clearInterval(timer);
}

async function firstWritable(port: number, since: number, timeoutMs: number): Promise<number> {
  const connection = await mysql.createConnection({ host: '127.0.0.1', port, user: 'root' });
  try {
    while (Date.now() - since < timeoutMs) {
      const [rows] = await connection.query('SELECT @@GLOBAL.read_only AS ro');
      if (Number((rows as { ro: number }[])[0]?.ro) === 0) return Date.now() - since;
      await sleep(20);
    }
    throw new Error(`no writable writer within ${timeoutMs} ms`);
  } finally {
    connection.destroy();
  }
}

async function status(port: number, name: string): Promise<string> {
  const rows = (await sqlOn(port, 'SHOW GLOBAL STATUS LIKE ?', [name])) as { Value: string }[];
  return rows[0]?.Value ?? '';
}

async function bootstrap(loop: OperatorLoop): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (conditionOf(await runRound(loop), 'MySQLReplicationHealthy') !== 'True') {
    if (Date.now() > deadline) throw new Error('bootstrap did not reach healthy replication in 30 s');
    await sleep(200);
  }
}

async function trial(): Promise<Trial> {
  const pair = await startMariadbPair();
  try {
    const [writer, passive] = pair.servers;
    const loop = createLoop(pair, defaultMysqlSettings, initialMysqlState);
    await bootstrap(loop);
    await createAppSchema(writer.port);
    const stopKubelet = runKubelet(pair, loop);
    const operator = runOperator(loop);
    const loads: InsertLoad[] = Array.from({ length: clients }, (_, i) => startInsertLoad(writer.port, `c${i}`));
    // A random phase against the probe rounds: the kill lands anywhere within an interval.
    await sleep(loadMs + Math.random() * intervalMs);
    const semiSyncStatusAtKill = await status(writer.port, 'Rpl_semi_sync_master_status');
    const semiSyncAckedTx = Number(await status(writer.port, 'Rpl_semi_sync_master_yes_tx'));
    const killedAt = Date.now();
    await killServer(writer);
    const killToWritableMs = await firstWritable(passive.port, killedAt, 60_000);
    await Promise.all(loads.map((l) => l.done));
    await operator.stop();
    stopKubelet();
    const acked = loads.flatMap((l) => l.acked);
    const present = await orderIds(passive.port);
    const ackedSet = new Set(acked);
    return {
      killToWritableMs,
      acked: acked.length,
      lost: acked.filter((id) => !present.has(id)).length,
      presentBeyondAcked: [...present].filter((id) => !ackedSet.has(id)).length,
      semiSyncAckedTx,
      semiSyncStatusAtKill,
    };
  } finally {
    await stopPair(pair);
  }
}

const results: Trial[] = [];
for (let i = 0; i < trials; i += 1) {
  const t = await trial();
  results.push(t);
  console.log(
    `trial ${i + 1}: kill -9 → writable new writer ${(t.killToWritableMs / 1000).toFixed(2)} s; ` +
      `acknowledged inserts ${t.acked}, missing on the new writer ${t.lost}, ` +
      `unacknowledged but present ${t.presentBeyondAcked}; semi-sync at kill ${t.semiSyncStatusAtKill} ` +
      `(${t.semiSyncAckedTx} semi-sync acked tx)`,
  );
}
const times = results.map((r) => r.killToWritableMs / 1000);
console.log(
  `defaults: failureThreshold ${defaultMysqlSettings.failureThreshold}, probe every ${defaultMysqlSettings.probeIntervalSeconds} s, ` +
    `kubelet NotReady after ${kubeletDelayMs} ms; ${clients} clients, ${loadMs} ms of load before the kill`,
);
console.log(
  `failover time: min ${Math.min(...times).toFixed(2)} s, max ${Math.max(...times).toFixed(2)} s (target ≤ 30 s); ` +
    `acknowledged writes lost: ${results.reduce((n, r) => n + r.lost, 0)} of ${results.reduce((n, r) => n + r.acked, 0)}`,
);
if (Math.max(...times) > 30 || results.some((r) => r.lost > 0)) process.exitCode = 1;
