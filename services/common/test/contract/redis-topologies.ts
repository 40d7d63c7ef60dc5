import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { until } from '@mpstack/testkit';
import { Redis } from 'ioredis';
import type { RedisNode } from '../../src/config/redis-topology.js';

const run = promisify(execFile);

/** A port nothing listens on now (the kernel's pick). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (address === null || typeof address === 'string') throw new Error('no TCP address');
  return address.port;
}

/** The Redis servers and sentinels one test file started, on free ports in one temp directory. */
class Servers {
  readonly #children: ChildProcess[] = [];
  readonly #exitHook = () => {
    for (const child of this.#children) child.kill('SIGKILL');
  };

  private constructor(readonly dir: string) {
    process.once('exit', this.#exitHook);
  }

  static async create(): Promise<Servers> {
    return new Servers(await mkdtemp(join(tmpdir(), 'mpstack-redis-topology-')));
  }

  /** `redis-server <args>` (a config file first for a sentinel); resolves once it answers PING. */
  async start(port: number, args: readonly string[]): Promise<ChildProcess> {
    const child = spawn('redis-server', [...args], { stdio: 'ignore' });
    this.#children.push(child);
    const probe = new Redis({
      port,
      host: '127.0.0.1',
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
    });
    probe.on('error', () => undefined);
    try {
      await until(
        async () => {
          if (child.exitCode !== null) throw new Error(`redis-server ${args.join(' ')} exited`);
          await probe.connect().catch(() => undefined);
          return (await probe.ping().catch(() => '')) === 'PONG';
        },
        10_000,
        `redis-server on ${port}`,
        50,
      );
    } finally {
      probe.disconnect();
    }
    return child;
  }

  async stop(): Promise<void> {
    process.removeListener('exit', this.#exitHook);
    await Promise.all(
      this.#children.map(
        (child) =>
          new Promise<void>((resolve) => {
            if (child.exitCode !== null || child.signalCode !== null) return resolve();
            child.once('exit', () => resolve());
            child.kill('SIGKILL');
          }),
      ),
    );
    await rm(this.dir, { recursive: true, force: true });
  }
}

function dataArgs(dir: string, port: number): string[] {
  return ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no'];
}

/** A three-master Redis Cluster (no replicas) of the test's own. */
export class RedisClusterOfThree {
  private constructor(
    private readonly servers: Servers,
    readonly nodes: readonly RedisNode[],
  ) {}

  static async start(): Promise<RedisClusterOfThree> {
    const servers = await Servers.create();
    try {
      const ports = [await freePort(), await freePort(), await freePort()];
      await Promise.all(
        ports.map(async (port) => {
          await servers.start(port, [
            ...dataArgs(servers.dir, port),
            '--cluster-enabled',
            'yes',
            '--cluster-config-file',
            `nodes-${port}.conf`,
            '--cluster-node-timeout',
            '2000',
          ]);
        }),
      );
      await run('redis-cli', [
        '--cluster',
        'create',
        ...ports.map((port) => `127.0.0.1:${port}`),
        '--cluster-replicas',
        '0',
        '--cluster-yes',
      ]);
      const nodes = ports.map((port) => ({ host: '127.0.0.1', port }));
      // Every node must agree before a client's slot table is complete.
      await until(
        async () => {
          const states = await Promise.all(
            ports.map(async (port) => (await run('redis-cli', ['-p', String(port), 'cluster', 'info'])).stdout),
          );
          return states.every((info) => info.includes('cluster_state:ok'));
        },
        20_000,
        'cluster_state:ok on every node',
        100,
      );
      return new RedisClusterOfThree(servers, nodes);
    } catch (error) {
      await servers.stop();
      throw error;
    }
  }

  /** `CLUSTER KEYSLOT` as the server computes it. */
  async keySlot(key: string): Promise<number> {
    const port = String(this.nodes[0]?.port);
    return Number((await run('redis-cli', ['-p', port, 'cluster', 'keyslot', key])).stdout.trim());
  }

  stop(): Promise<void> {
    return this.servers.stop();
  }
}

/** A primary, one replica and one sentinel watching them (quorum 1), of the test's own. */
export class RedisWithSentinel {
  static readonly primaryName = 'mpstack-test';

  private constructor(
    private readonly servers: Servers,
    private readonly primary: ChildProcess,
    readonly primaryPort: number,
    readonly replicaPort: number,
    readonly sentinel: RedisNode,
  ) {}

  static async start(): Promise<RedisWithSentinel> {
    const servers = await Servers.create();
    try {
      const [primaryPort, replicaPort, sentinelPort] = [await freePort(), await freePort(), await freePort()];
      const primary = await servers.start(primaryPort, dataArgs(servers.dir, primaryPort));
      await servers.start(replicaPort, [
        ...dataArgs(servers.dir, replicaPort),
        '--replicaof',
        '127.0.0.1',
        String(primaryPort),
      ]);
      const config = join(servers.dir, 'sentinel.conf');
      // Sentinel rewrites its own file: it must be writable, one per sentinel.
      await writeFile(
        config,
        [
          `port ${sentinelPort}`,
          'bind 127.0.0.1',
          `dir ${servers.dir}`,
          `sentinel monitor ${RedisWithSentinel.primaryName} 127.0.0.1 ${primaryPort} 1`,
          `sentinel down-after-milliseconds ${RedisWithSentinel.primaryName} 1000`,
          `sentinel failover-timeout ${RedisWithSentinel.primaryName} 10000`,
          '',
        ].join('\n'),
      );
      await servers.start(sentinelPort, [config, '--sentinel']);
      const sentinel = { host: '127.0.0.1', port: sentinelPort };
      const setup = new RedisWithSentinel(servers, primary, primaryPort, replicaPort, sentinel);
      // The replica is in sync and known to the sentinel: a failover has somewhere to go.
      await until(
        async () => (await setup.sentinelSays('replicas')).includes(`${replicaPort}`),
        20_000,
        'the sentinel to discover the replica',
        100,
      );
      return setup;
    } catch (error) {
      await servers.stop();
      throw error;
    }
  }

  private async sentinelSays(what: 'replicas' | 'get-master-addr-by-name'): Promise<string> {
    const { stdout } = await run('redis-cli', [
      '-p',
      String(this.sentinel.port),
      'sentinel',
      what,
      RedisWithSentinel.primaryName,
    ]);
    return stdout;
  }

  /** The port the sentinel currently names as the primary. */
  async primaryPortNow(): Promise<number> {
    return Number((await this.sentinelSays('get-master-addr-by-name')).trim().split('\n')[1]);
  }

  /**
   * A crash of the primary: waits until the replica has every write so far (`WAIT`),
   * then SIGKILL; the sentinel notices after 1 s and promotes the replica.
   */
  async killPrimary(): Promise<void> {
    const direct = new Redis({ host: '127.0.0.1', port: this.primaryPort });
    direct.on('error', () => undefined);
    try {
      // WAIT counts this connection's writes: one marker, replicated after everything before it.
      await direct.set('mpstack:test:replication-marker', String(Date.now()));
      const acknowledged = await direct.wait(1, 5_000);
      if (acknowledged < 1) throw new Error('the replica did not acknowledge the writes before the kill');
    } finally {
      direct.disconnect();
    }
    const exited = new Promise((resolve) => this.primary.once('exit', resolve));
    this.primary.kill('SIGKILL');
    await exited;
  }

  stop(): Promise<void> {
    return this.servers.stop();
  }
}
