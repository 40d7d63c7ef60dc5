import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import mysql from 'mysql2/promise';
import { DEFAULT_MYSQL_RESOURCES } from '../../src/resources/mysql.js';
import { mysqlServerConfig, quantityValue } from '../../src/resources/mysql-config.js';

/**
 * TEST DOUBLE OF A STATEFULSET POD, NOT OF MARIADB: real `mariadbd` processes on loopback
 * ports with their own datadirs, started with the StatefulSet's own server file
 * (`mysqlServerConfig`: read-only, own server_id and GTID domain, interleaved
 * auto-increment, binlog synced per commit, replication not auto-started, semi-sync), and
 * initialised the way the official image's entrypoint initialises a pod on first boot
 * ({@link firstBoot}). Deliberately NOT `--init-rpl-role=SLAVE`: that truncates
 * a killed writer's in-doubt semi-sync transactions at recovery, and when the replica had
 * already received them, replicating them back is skipped (same server_id) while the
 * GTID position advances — a silent divergence. Kept, they are either on both pods
 * (clean rejoin) or errant (rejoin blocked). Shared by the data-plane tests and the
 * failover benchmark.
 */

const run = promisify(execFile);

/** One server; `ordinal` is the StatefulSet ordinal (pod-0 → server_id 1). */
export interface MariadbServer {
  readonly pod: string;
  readonly ordinal: number;
  readonly port: number;
  readonly socket: string;
  readonly datadir: string;
  process: ChildProcess | null;
}

export interface MariadbPair {
  readonly dir: string;
  readonly servers: readonly [MariadbServer, MariadbServer];
}

/** Asks the kernel for a free loopback port. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/**
 * The StatefulSet's `[mysqld]` file of this ordinal as command-line options, for a container of
 * the default memory request: its buffer pool line is parsed by the real server (the 32M that
 * follows it in {@link serverArgs} wins, to keep the test servers small).
 */
function statefulSetOptions(ordinal: number): string[] {
  const memoryBytes = quantityValue(DEFAULT_MYSQL_RESOURCES.requests.memory);
  return mysqlServerConfig({ ordinal, flavor: 'mariadb', semiSync: true, memoryBytes })
    .split('\n')
    .map((line) => /^(\w+)\s*=\s*(.+)$/.exec(line.trim()))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => `--${m[1]}=${m[2]}`);
}

function serverArgs(s: MariadbServer, networking: boolean): string[] {
  return [
    '--no-defaults',
    `--datadir=${s.datadir}`,
    `--tmpdir=${s.datadir}.tmp`,
    ...(networking ? [`--port=${s.port}`, '--bind-address=127.0.0.1'] : ['--skip-networking']),
    `--socket=${s.socket}`,
    `--pid-file=${s.datadir}.pid`,
    `--log-error=${s.datadir}.err`,
    ...statefulSetOptions(s.ordinal),
    '--innodb-buffer-pool-size=32M',
    '--innodb-log-file-size=16M',
    '--user=root',
  ];
}

/** What the pod's environment gives the entrypoint (the StatefulSet's MYSQL_DATABASE/USER/PASSWORD). */
export const FIRST_BOOT_ENV = { database: 'mpstack', user: 'mpstack', password: 'mpstack-secret' } as const;

/**
 * The statements the MariaDB 10.11 image's `docker-entrypoint.sh` runs on first boot
 * (`docker_setup_db`), in its order and with its `sql_log_bin` settings, with an empty root
 * password (`MARIADB_ALLOW_EMPTY_ROOT_PASSWORD`; the StatefulSet passes one from the
 * Secret, which changes no statement's shape): root@'%' and the healthcheck accounts
 * outside the binary log, then the application database, account and grant INSIDE it —
 * three GTIDs in the pod's own domain that the peer does not have. The time-zone load is
 * left out: the entrypoint runs it with `--skip-write-binlog`, so it leaves no GTID.
 */
export async function firstBoot(s: MariadbServer): Promise<void> {
  const c = await mysql.createConnection({ socketPath: s.socket, user: 'root', multipleStatements: true });
  const { database, user, password } = FIRST_BOOT_ENV;
  try {
    await c.query(`
      SET @orig_sql_log_bin = @@SESSION.SQL_LOG_BIN;
      SET @@SESSION.SQL_LOG_BIN = 0;
      DROP USER IF EXISTS root@'127.0.0.1', root@'::1';
      EXECUTE IMMEDIATE CONCAT('DROP USER IF EXISTS root@\\'', @@hostname, '\\'');
      SET PASSWORD FOR 'root'@'localhost' = PASSWORD('');
      CREATE USER 'root'@'%' IDENTIFIED BY '';
      GRANT ALL ON *.* TO 'root'@'%' WITH GRANT OPTION;
      GRANT PROXY ON ''@'%' TO 'root'@'%' WITH GRANT OPTION;
      CREATE USER IF NOT EXISTS healthcheck@'127.0.0.1' IDENTIFIED BY 'hc-${s.ordinal}';
      GRANT USAGE ON *.* TO healthcheck@'127.0.0.1';
      SET @@SESSION.SQL_LOG_BIN = @orig_sql_log_bin;
      CREATE DATABASE IF NOT EXISTS \`${database}\`;
      CREATE USER '${user}'@'%' IDENTIFIED BY '${password}';
      GRANT ALL ON \`${database}\`.* TO '${user}'@'%';
    `);
  } finally {
    c.destroy();
  }
}

/** Polls until the server answers a query over its socket, or throws at the deadline. */
async function waitAnswering(s: MariadbServer, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const c = await mysql.createConnection({ socketPath: s.socket, user: 'root' });
      await c.query('SELECT 1');
      await c.end();
      return;
    } catch (error) {
      if (s.process?.exitCode !== null) throw new Error(`${s.pod} exited during start-up (see ${s.datadir}.err)`);
      if (Date.now() > deadline) throw new Error(`${s.pod} did not answer within ${timeoutMs} ms: ${String(error)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

/** Starts (or restarts after a kill) one server; `networking: false` = isolated, socket only. */
export async function startServer(s: MariadbServer, networking = true): Promise<void> {
  s.process = spawn('mariadbd', serverArgs(s, networking), { stdio: 'ignore' });
  s.process.on('error', () => undefined);
  await waitAnswering(s, 30_000);
}

/** kill -9, then waits for the process to be gone. */
export async function killServer(s: MariadbServer, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
  const child = s.process;
  if (child === null || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill(signal);
  let timer: NodeJS.Timeout | undefined;
  const bound = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, 30_000);
  });
  try {
    await Promise.race([exited, bound]);
  } finally {
    clearTimeout(timer); // a pending 30 s timer would hold the test run open
  }
}

/** True while the process lives: the test's stand-in for the kubelet's readiness view. */
export function isRunning(s: MariadbServer): boolean {
  return s.process !== null && s.process.exitCode === null && s.process.signalCode === null;
}

/**
 * Creates two datadirs and starts both servers, each initialised by {@link firstBoot} unless
 * `firstBootStatements` is false (empty binary logs); cleans up itself if start-up fails.
 */
export async function startMariadbPair(firstBootStatements = true): Promise<MariadbPair> {
  const dir = await mkdtemp(join(tmpdir(), 'mpstack-mysql-'));
  const servers: MariadbServer[] = [];
  try {
    for (const ordinal of [0, 1]) {
      const datadir = join(dir, `mysql-${ordinal}`);
      // A tmpdir of its own: mariadbd (and its bootstrap) deletes every `#sql*` file in its
      // tmpdir at start-up — in /tmp, the machine's MariaDB's live temporary tables (EE_DELETE).
      await mkdir(`${datadir}.tmp`);
      await run('mariadb-install-db', [
        '--no-defaults',
        `--datadir=${datadir}`,
        `--tmpdir=${datadir}.tmp`,
        '--auth-root-authentication-method=normal',
        '--user=root',
        '--skip-test-db',
        '--skip-log-bin',
      ]);
      const server: MariadbServer = {
        pod: `mysql-${ordinal}`,
        ordinal,
        port: await freePort(),
        socket: join(dir, `mysql-${ordinal}.sock`),
        datadir,
        process: null,
      };
      servers.push(server);
      await startServer(server);
      if (firstBootStatements) await firstBoot(server);
    }
    const [a, b] = servers;
    if (a === undefined || b === undefined) throw new Error('unreachable');
    return { dir, servers: [a, b] };
  } catch (error) {
    await stopPair({ dir, servers });
    throw error;
  }
}

/** Kills every server and removes the temp dir; safe to call twice or after a failed start. */
export async function stopPair(pair: { readonly dir: string; readonly servers: readonly MariadbServer[] }) {
  for (const s of pair.servers) await killServer(s);
  await rm(pair.dir, { recursive: true, force: true });
}
