import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { type RabbitMQPorts, rabbitmqConfFor } from '../../src/resources/rabbitmq-config.js';

/**
 * A RabbitMQ cluster of real nodes on this host, each with its own data directory and ports,
 * configured with the operator's own `rabbitmq.conf` (classic-config peer discovery listing
 * every node) — the way the StatefulSet's pods are, but with `name@localhost` node names and
 * per-node ports because all nodes share one host and one epmd. Started from Debian's
 * rabbitmq-server package (`/usr/lib/rabbitmq/bin`, run as the current user, bypassing the
 * `/usr/sbin` wrapper that switches to the `rabbitmq` user); nothing of the machine's own
 * broker (rabbit@localhost, 5672) is touched.
 */

const BIN = '/usr/lib/rabbitmq/bin';
const run = promisify(execFile);

export interface ClusterNode {
  readonly name: string;
  readonly amqpPort: number;
  process: ChildProcess | undefined;
}

export interface RabbitCluster {
  readonly nodes: readonly ClusterNode[];
  readonly dir: string;
  /** Starts the given nodes at the same moment (a `Parallel` StatefulSet). */
  start(indexes: readonly number[]): void;
  /** Polls `rabbitmqctl await_startup` until the node has booted; false when it did not by the deadline. */
  awaitStartup(index: number, timeoutSeconds: number): Promise<boolean>;
  /** The node's exit code once its process ends, or `undefined` if it still runs after `timeoutMs`. */
  waitExit(index: number, timeoutMs: number): Promise<number | null | undefined>;
  /** `rabbitmqctl stop`: a clean shutdown, then waits for the process to end. */
  stop(index: number): Promise<void>;
  /** The running members as node `index` sees them. */
  runningNodes(index: number): Promise<string[]>;
  close(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address !== null ? address.port : 0));
    });
  });
}

function envFor(dir: string, node: ClusterNode, index: number, distPort: number): NodeJS.ProcessEnv {
  const base = join(dir, `node-${index}`);
  return {
    PATH: process.env['PATH'],
    HOME: dir,
    LANG: 'C.UTF-8',
    RABBITMQ_CONF_ENV_FILE: join(dir, 'rabbitmq-env.conf'),
    RABBITMQ_NODENAME: node.name,
    RABBITMQ_NODE_PORT: String(node.amqpPort),
    RABBITMQ_DIST_PORT: String(distPort),
    RABBITMQ_CONFIG_FILE: join(base, 'rabbitmq.conf'),
    RABBITMQ_ENABLED_PLUGINS_FILE: join(dir, 'enabled_plugins'),
    RABBITMQ_MNESIA_BASE: join(base, 'mnesia'),
    RABBITMQ_LOG_BASE: join(base, 'log'),
    RABBITMQ_PID_FILE: join(base, 'rabbit.pid'),
    ERL_EPMD_ADDRESS: '127.0.0.1',
  };
}

/** A cluster of `size` nodes, not started; `extraConf` lines follow the operator's. Ports are picked free now. */
export async function createRabbitCluster(
  size: number,
  tag: string,
  extraConf: readonly string[] = [],
): Promise<RabbitCluster> {
  const dir = mkdtempSync(join(tmpdir(), `rabbit-cluster-${tag}-`));
  writeFileSync(join(dir, '.erlang.cookie'), `MPSTACKTEST${tag.toUpperCase()}${Date.now()}`);
  chmodSync(join(dir, '.erlang.cookie'), 0o400);
  writeFileSync(join(dir, 'rabbitmq-env.conf'), '');
  writeFileSync(join(dir, 'enabled_plugins'), '[].\n');
  const nodes: ClusterNode[] = [];
  const distPorts: number[] = [];
  for (let i = 0; i < size; i++) {
    nodes.push({ name: `mpstack-${tag}-${i}@localhost`, amqpPort: await freePort(), process: undefined });
    distPorts.push(await freePort());
  }
  const names = nodes.map((n) => n.name);
  for (const [i, node] of nodes.entries()) {
    const ports: RabbitMQPorts = { amqp: node.amqpPort, management: await freePort(), prometheus: await freePort() };
    mkdirSync(join(dir, `node-${i}`, 'log'), { recursive: true });
    writeFileSync(
      join(dir, `node-${i}`, 'rabbitmq.conf'),
      `${rabbitmqConfFor(names, ports)}${extraConf.map((line) => `${line}\n`).join('')}`,
    );
  }
  const env = (i: number) => envFor(dir, nodes[i] as ClusterNode, i, distPorts[i] as number);
  const ctl = async (i: number, args: readonly string[], timeoutMs: number) =>
    run(join(BIN, 'rabbitmqctl'), ['-n', (nodes[i] as ClusterNode).name, ...args], {
      env: env(i),
      timeout: timeoutMs,
    });

  const cluster: RabbitCluster = {
    nodes,
    dir,
    start(indexes) {
      for (const i of indexes) {
        const node = nodes[i] as ClusterNode;
        node.process = spawn(join(BIN, 'rabbitmq-server'), [], { env: env(i), stdio: 'ignore' });
        node.process.once('exit', () => {
          node.process = undefined;
        });
      }
    },
    async awaitStartup(i, timeoutSeconds) {
      const deadline = Date.now() + timeoutSeconds * 1000;
      while (Date.now() < deadline) {
        const ok = await ctl(i, ['-q', 'await_startup', '--timeout', '5'], 20_000).then(
          () => true,
          () => false,
        );
        if (ok) return true;
        await new Promise((resolve) => setTimeout(resolve, 1000));
      }
      return false;
    },
    async waitExit(i, timeoutMs) {
      const child = (nodes[i] as ClusterNode).process;
      if (child === undefined) return null;
      return new Promise((resolve) => {
        const timer = setTimeout(() => resolve(undefined), timeoutMs);
        child.once('exit', (code) => {
          clearTimeout(timer);
          resolve(code);
        });
      });
    },
    async stop(i) {
      const child = (nodes[i] as ClusterNode).process;
      if (child === undefined) return;
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      await ctl(i, ['-q', 'stop'], 60_000).catch(() => child.kill('SIGKILL'));
      await exited;
    },
    async runningNodes(i) {
      const { stdout } = await ctl(i, ['-q', 'cluster_status', '--formatter', 'json'], 30_000);
      const status = JSON.parse(stdout) as { running_nodes: string[] };
      return [...status.running_nodes].sort();
    },
    async close() {
      await Promise.all(
        nodes.map(async (node) => {
          const child = node.process;
          if (child === undefined) return;
          const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
          child.kill('SIGKILL');
          await exited;
        }),
      );
      // The Erlang VM forks helpers (epmd is shared and stays; erl_child_setup dies with the VM).
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return cluster;
}
