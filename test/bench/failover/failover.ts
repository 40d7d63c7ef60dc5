/**
 * Failover benchmark (not part of the test run) of the WIRED operator: the real `runOperator`
 * (informers, work queue, its own probe clock, status writes) against the API-server test
 * double, with the real MySQL control (`createMysqlControl`) pointed at two real MariaDB
 * 10.11 processes initialised as the official image's entrypoint does (first-boot
 * statements binlogged). The CRD's DEFAULT settings: 3 failed probes, a probe round every
 * 2 s, Kubernetes corroboration, semi-sync AFTER_SYNC with the operator-controlled fallback.
 *
 * Per trial: bootstrap by the operator, a steady insert load from several clients on the
 * writer, `kill -9` of the writer at a random phase of the probe clock; measured: the time
 * from the kill until the other pod accepts writes, every acknowledged insert against the
 * rows on the new writer, and whether the pair heals without a human (the returning pod
 * rejoins — re-seeded when it holds unacknowledged transactions — with replication healthy
 * both ways and ManualInterventionRequired False).
 *
 * The kubelet and the StatefulSet controller are simulated (TEST DOUBLE): a pod is Ready
 * while its process runs and the StatefulSet's real readiness command (`SELECT 1` as root)
 * succeeds, run every 5 s (its periodSeconds; NotReady within 1 s of the process dying, as a
 * container exit is seen); a deleted pod is recreated and its process restarted (what the
 * operator's failover does to a NotReady writer); a killed process not deleted within 60 s
 * is restarted anyway. The re-seed Job's script runs locally with the local client tools.
 *
 * Run: `make bench-failover` (env: TRIALS, CLIENTS, LOAD_MS).
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import mysql from 'mysql2/promise';

type Main = typeof import('../../../operator/dist/src/main.js');
type Control = typeof import('../../../operator/dist/src/reconcile/mysql-control.js');
type Objects = typeof import('../../../operator/dist/src/kube/objects.js');
type Logger = typeof import('../../../operator/dist/src/kube/logger.js');
type Resources = typeof import('../../../operator/dist/src/resources/mysql.js');
type FakeServer = typeof import('../../../operator/dist/test/support/fake-apiserver/server.js');
type ResourceTypes = typeof import('../../../operator/dist/test/support/fake-apiserver/resource-types.js');
type OperatorHarness = typeof import('../../../operator/dist/test/support/operator-harness.js');
type Harness = typeof import('../../../operator/dist/test/mysql/mariadb-harness.js');
type Load = typeof import('../../../operator/dist/test/mysql/load.js');
type ReseedLocal = typeof import('../../../operator/dist/test/mysql/reseed-local.js');
type MariadbPair = Awaited<ReturnType<Harness['startMariadbPair']>>;
type MariadbServer = MariadbPair['servers'][number];
type ApiServer = Awaited<ReturnType<FakeServer['startFakeApiServer']>>;
type StoredObject = ReturnType<ApiServer['store']['get']>;

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

// The operator package exports no test support, so its compiled files are loaded by path.
const operatorDist = join(repoRoot(), 'operator/dist');
const load = async <T>(path: string): Promise<T> => (await import(pathToFileURL(join(operatorDist, path)).href)) as T;
const { runOperator } = await load<Main>('src/main.js');
const { createMysqlControl } = await load<Control>('src/reconcile/mysql-control.js');
const { createObjectClient } = await load<Objects>('src/kube/objects.js');
const { silentLogger } = await load<Logger>('src/kube/logger.js');
const { mysqlReadinessCommand } = await load<Resources>('src/resources/mysql.js');
const { startFakeApiServer } = await load<FakeServer>('test/support/fake-apiserver/server.js');
const { findType } = await load<ResourceTypes>('test/support/fake-apiserver/resource-types.js');
const { FakeRates, NAMESPACE, createPlatform, platformSpec, readPlatform } = await load<OperatorHarness>(
  'test/support/operator-harness.js',
);
const { isRunning, killServer, startMariadbPair, startServer, stopPair } = await load<Harness>(
  'test/mysql/mariadb-harness.js',
);
const { createAppSchema, orderIds, startInsertLoad } = await load<Load>('test/mysql/load.js');
const { localReseed } = await load<ReseedLocal>('test/mysql/reseed-local.js');

const run = promisify(execFile);
const trials = Number(process.env.TRIALS ?? '10');
const clients = Number(process.env.CLIENTS ?? '4');
const loadMs = Number(process.env.LOAD_MS ?? '5000');
const PLATFORM = 'bench';
const STS = `${PLATFORM}-mysql`;
/** The kubelet's readiness period (the StatefulSet's periodSeconds), also the kill's random phase. */
const PROBE_INTERVAL_MS = 5000;
const HEAL_TIMEOUT_MS = 120_000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const podsType = findType('', 'v1', 'pods')!;
const stsType = findType('apps', 'v1', 'statefulsets')!;
const secretsType = findType('', 'v1', 'secrets')!;

interface Condition {
  readonly type: string;
  readonly status: string;
  readonly reason: string;
  readonly message: string;
}
interface PlatformStatus {
  readonly conditions?: readonly Condition[];
  readonly mysql?: { readonly writer?: string; readonly fenced?: readonly string[] };
}

const statusOf = (server: ApiServer) => (readPlatform(server, PLATFORM)['status'] ?? {}) as PlatformStatus;
const conditionOf = (s: PlatformStatus, type: string) => s.conditions?.find((c) => c.type === type);

function getOrUndefined(server: ApiServer, type: typeof podsType, name: string): StoredObject | undefined {
  try {
    return server.store.get(type, NAMESPACE, name);
  } catch {
    return undefined;
  }
}

/** The StatefulSet's readiness command, run as the kubelet runs it. */
async function readinessPasses(s: MariadbServer): Promise<boolean> {
  const [file, ...args] = mysqlReadinessCommand('mariadb');
  try {
    await run(file ?? 'sh', args, {
      timeout: 3000,
      env: { PATH: process.env.PATH ?? '', MYSQL_ROOT_PASSWORD: '', MYSQL_TCP_PORT: String(s.port) },
    });
    return true;
  } catch {
    return false;
  }
}

/** TEST DOUBLE of the kubelet and the StatefulSet controller for the two MySQL pods. */
function startKubelet(server: ApiServer, pair: MariadbPair): { stop(): Promise<void> } {
  const probed = new Map<string, { at: number; ok: boolean }>();
  const deadSince = new Map<string, number>();
  const restarting = new Map<string, Promise<void>>();
  let stopped = false;
  const restart = (name: string, s: MariadbServer) => {
    if (restarting.has(name)) return;
    probed.delete(name);
    restarting.set(
      name,
      startServer(s)
        .catch(() => undefined)
        .finally(() => restarting.delete(name)),
    );
  };
  const createPod = (name: string, sts: StoredObject) => {
    const template = (sts['spec'] as { template: { metadata: { labels: Record<string, string> } } }).template;
    server.store.create(podsType, NAMESPACE, {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        name,
        labels: { ...template.metadata.labels, 'statefulset.kubernetes.io/pod-name': name },
        ownerReferences: [
          { apiVersion: 'apps/v1', kind: 'StatefulSet', name: STS, uid: sts.metadata.uid ?? '', controller: true },
        ],
      },
      spec: {},
    });
  };
  /** Restarts a container dead for 60 s that nobody deleted (a pod that does not come back quickly). */
  const reviveStale = (name: string, s: MariadbServer, running: boolean) => {
    if (running || restarting.has(name)) {
      deadSince.delete(name);
      return;
    }
    const since = deadSince.get(name) ?? Date.now();
    deadSince.set(name, since);
    if (Date.now() - since > 60_000) restart(name, s);
  };
  const syncPod = async (name: string, s: MariadbServer, pod: StoredObject) => {
    const running = isRunning(s) && !restarting.has(name);
    reviveStale(name, s, running);
    const last = probed.get(name);
    if (running && (last === undefined || Date.now() - last.at >= PROBE_INTERVAL_MS)) {
      probed.set(name, { at: Date.now(), ok: await readinessPasses(s) });
    }
    const ready = running && probed.get(name)?.ok === true;
    const current = (pod['status'] as { conditions?: Condition[] } | undefined)?.conditions?.[0]?.status;
    if (current === (ready ? 'True' : 'False')) return;
    const status = { phase: 'Running', conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }] };
    server.store.update(podsType, NAMESPACE, name, { ...pod, status }, 'status');
  };
  const tick = async () => {
    const sts = getOrUndefined(server, stsType, STS);
    if (sts === undefined) return;
    for (const [ordinal, s] of pair.servers.entries()) {
      const name = `${STS}-${ordinal}`;
      const pod = getOrUndefined(server, podsType, name);
      if (pod !== undefined) {
        await syncPod(name, s, pod);
        continue;
      }
      // The StatefulSet controller recreates a deleted pod; the kubelet starts its container.
      createPod(name, sts);
      if (!isRunning(s)) restart(name, s);
    }
  };
  const loop = (async () => {
    while (!stopped) {
      await tick().catch(() => undefined);
      await sleep(500);
    }
  })();
  return {
    async stop() {
      stopped = true;
      await loop;
      await Promise.all(restarting.values());
    },
  };
}

async function until(check: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what} not reached within ${timeoutMs} ms`);
    await sleep(100);
  }
}

/** Transactions the passive has received but not applied yet (what a failover must drain). */
async function backlogOf(s: MariadbServer): Promise<number> {
  const connection = await mysql.createConnection({ host: '127.0.0.1', port: s.port, user: 'root' });
  try {
    const [rows] = await connection.query('SHOW SLAVE STATUS');
    const [pos] = await connection.query('SELECT @@GLOBAL.gtid_slave_pos AS pos');
    const seqOf = (text: string) => Number(/(?:^|,)1-\d+-(\d+)/.exec(text)?.[1] ?? '0');
    const io = String((rows as Record<string, unknown>[])[0]?.['Gtid_IO_Pos'] ?? '');
    return Math.max(0, seqOf(io) - seqOf(String((pos as { pos: string }[])[0]?.pos ?? '')));
  } finally {
    connection.destroy();
  }
}

async function isWritable(port: number): Promise<boolean> {
  try {
    const connection = await mysql.createConnection({ host: '127.0.0.1', port, user: 'root', connectTimeout: 500 });
    try {
      const [rows] = await connection.query('SELECT @@GLOBAL.read_only AS ro');
      return Number((rows as { ro: number }[])[0]?.ro) === 0;
    } finally {
      connection.destroy();
    }
  } catch {
    return false;
  }
}

/** ms from `since` until either pod accepts writes (the survivor, or the killed pod back as the writer). */
async function firstWritable(pair: MariadbPair, since: number, timeoutMs: number): Promise<number> {
  while (Date.now() - since < timeoutMs) {
    for (const s of pair.servers) if (await isWritable(s.port)) return Date.now() - since;
    await sleep(20);
  }
  throw new Error(`no writable writer within ${timeoutMs} ms`);
}

interface Trial {
  readonly killToWritableMs: number;
  readonly acked: number;
  readonly lost: number;
  readonly outcome: string;
  readonly reseeded: boolean;
  readonly healMs: number | null;
  /** Received-but-unapplied transactions on the passive at the kill. */
  readonly backlog: number;
  /** The survivor became the writer (else the killed pod came back before the failover completed). */
  readonly failedOver: boolean;
}

async function trial(): Promise<Trial> {
  const pair = await startMariadbPair();
  const server = await startFakeApiServer();
  const reseeder = localReseed(pair);
  const kubelet = startKubelet(server, pair);
  const objects = createObjectClient(server.kubeConfig(NAMESPACE), 'mpstack-operator');
  const b64 = (s: string) => Buffer.from(s).toString('base64');
  server.store.create(secretsType, NAMESPACE, {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: STS },
    data: { 'root-password': b64(''), 'replication-password': b64('repl-secret'), password: b64('x'), url: b64('x') },
  });
  const operator = await runOperator({
    kubeConfig: server.kubeConfig(NAMESPACE),
    namespaces: [NAMESPACE],
    clock: Date.now,
    logger: silentLogger,
    rates: new FakeRates(),
    mysql: createMysqlControl({
      objects,
      clock: Date.now,
      logger: silentLogger,
      endpoints: () => pair.servers.map((s, i) => ({ pod: `${STS}-${i}`, host: '127.0.0.1', port: s.port })),
      // The re-seed Job's script, run locally against the pair (what the Job does in a cluster).
      reseed: (_platform, pod, from) => reseeder.reseed(pod, from),
    }),
  });
  try {
    createPlatform(server, PLATFORM, platformSpec({ mysql: { image: 'mariadb:10.11' } }));
    await until(
      () => {
        const s = statusOf(server);
        return s.mysql?.writer === `${STS}-0` && conditionOf(s, 'MySQLReplicationHealthy')?.status === 'True';
      },
      90_000,
      'bootstrap by the operator',
    );
    const [writer, passive] = pair.servers;
    await createAppSchema(writer.port);
    const loads = Array.from({ length: clients }, (_, i) => startInsertLoad(writer.port, `c${i}`));
    // A random phase against the probe clock: the kill lands anywhere within a probe interval.
    await sleep(loadMs + Math.random() * PROBE_INTERVAL_MS);
    const backlog = await backlogOf(passive);
    const killedAt = Date.now();
    await killServer(writer);
    const debug = process.env.DEBUG_BENCH
      ? setInterval(() => {
          const st = statusOf(server);
          const pods = [0, 1].map((i) => {
            const p = getOrUndefined(server, podsType, `${STS}-${i}`);
            return (p?.['status'] as { conditions?: Condition[] } | undefined)?.conditions?.[0]?.status;
          });
          const events = server.store
            .list(findType('', 'v1', 'events')!, NAMESPACE, null, null)
            .map((e) => `${e['reason']}: ${e['message']}`)
            .filter((e) => e.startsWith('MySQL'));
          console.log(
            ((Date.now() - killedAt) / 1000).toFixed(1),
            JSON.stringify({
              events,
              mysql: st.mysql,
              pods,
              c: st.conditions
                ?.filter((c) => c.type.startsWith('MySQL') || c.type === 'ManualInterventionRequired')
                .map((c) => `${c.type}=${c.status}:${c.reason}:${c.message}`),
            }),
          );
        }, 2000)
      : undefined;
    const killToWritableMs = await firstWritable(pair, killedAt, 90_000);
    await Promise.all(loads.map((l) => l.done));
    clearInterval(debug);
    let outcome = 'timeout';
    let healMs: number | null = null;
    await until(
      () => {
        const s = statusOf(server);
        const manual = conditionOf(s, 'ManualInterventionRequired');
        if (manual?.status === 'True') {
          outcome = `human needed: ${manual.reason}`;
          return true;
        }
        const healed =
          (s.mysql?.fenced ?? []).length === 0 && conditionOf(s, 'MySQLReplicationHealthy')?.status === 'True';
        if (healed) {
          outcome = 'healed';
          healMs = Date.now() - killedAt;
        }
        return healed;
      },
      HEAL_TIMEOUT_MS,
      'healed or ManualInterventionRequired',
    ).catch(() => undefined);
    const failedOver = statusOf(server).mysql?.writer === `${STS}-1`;
    if (outcome !== 'healed' || !failedOver) {
      const events = server.store
        .list(findType('', 'v1', 'events')!, NAMESPACE, null, null)
        .map((e) => `${e['reason']}: ${e['message']}`)
        .filter((e) => e.startsWith('MySQL'));
      console.log(`  not healed; MySQL events: ${JSON.stringify(events)}; status: ${JSON.stringify(statusOf(server))}`);
    }
    const acked = loads.flatMap((l) => l.acked);
    const newWriter = statusOf(server).mysql?.writer === `${STS}-0` ? writer : passive;
    const present = await orderIds(newWriter.port).catch(() => orderIds(passive.port));
    return {
      killToWritableMs,
      acked: acked.length,
      lost: acked.filter((id) => !present.has(id)).length,
      outcome,
      reseeded: reseeder.runs.length > 0,
      healMs,
      failedOver,
      backlog,
    };
  } finally {
    await operator.close();
    await kubelet.stop();
    await server.close();
    await stopPair(pair);
  }
}

const results: Trial[] = [];
for (let i = 0; i < trials; i += 1) {
  const t = await trial();
  results.push(t);
  console.log(
    `trial ${i + 1}: kill -9 → writable new writer ${(t.killToWritableMs / 1000).toFixed(2)} s ` +
      `(passive ${t.backlog} transactions behind in applying at the kill); ` +
      `acknowledged inserts ${t.acked}, missing on the new writer ${t.lost}; ` +
      `${t.outcome}${t.healMs === null ? '' : ` ${(t.healMs / 1000).toFixed(1)} s after the kill`}` +
      `${t.reseeded ? ' (re-seeded: it held unacknowledged transactions)' : ''}` +
      `${t.failedOver ? '' : '; no failover: the killed pod came back as the writer first'}`,
  );
}
const times = results.map((r) => r.killToWritableMs / 1000);
const healed = results.filter((r) => r.outcome === 'healed').length;
console.log(
  `wired runOperator, the CRD's default settings (3 failed probes, a probe round every 2 s, semi-sync); ` +
    `${clients} clients, ${loadMs} ms of load before the kill`,
);
console.log(
  `failover time: min ${Math.min(...times).toFixed(2)} s, max ${Math.max(...times).toFixed(2)} s (target ≤ 30 s); ` +
    `acknowledged writes lost: ${results.reduce((n, r) => n + r.lost, 0)} of ${results.reduce((n, r) => n + r.acked, 0)}; ` +
    `healed without a human: ${healed} of ${results.length} ` +
    `(${results.filter((r) => r.reseeded).length} by a re-seed)`,
);
if (Math.max(...times) > 30 || results.some((r) => r.lost > 0)) process.exitCode = 1;
