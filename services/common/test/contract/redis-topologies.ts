import { type ChildProcess, execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { until } from '@mpstack/testkit';
import { Redis } from 'ioredis';
import type { RedisNode } from '../../src/config/redis-topology.js';
import { dataArgs, freePort, logFile, Servers } from './redis-servers.js';

const run = promisify(execFile);

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
  #killedAt: Date | undefined;

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
      // Redis 7 waits 5 s before a diskless full sync by default: the test's replica starts it at once.
      const primary = await servers.start(primaryPort, [
        ...dataArgs(servers.dir, primaryPort),
        '--repl-diskless-sync-delay',
        '0',
      ]);
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
          `logfile ${logFile(servers.dir, sentinelPort)}`,
          '',
        ].join('\n'),
      );
      await servers.start(sentinelPort, [config, '--sentinel']);
      // No TILT: a sentinel whose timer ran 2 s late (a stall of a loaded machine) stops acting for
      // 30 s, and the replica's link then looks down too long to promote it (seen: +tilt before the
      // kill, -failover-abort-no-good-slave, the next try 20 s later). The test is about a failover.
      await cli(sentinelPort, 'sentinel', 'debug', 'tilt-trigger', '3600000', 'tilt-period', '1');
      const sentinel = { host: '127.0.0.1', port: sentinelPort };
      const setup = new RedisWithSentinel(servers, primary, primaryPort, replicaPort, sentinel);
      // The replica is in sync and known to the sentinel: a failover has somewhere to go.
      // (The replica's own INFO, as the sentinel's copy may be up to 10 s old.)
      await setup.explainingFailure(
        until(
          async () => {
            const isInSync = (await cli(replicaPort, 'info', 'replication')).includes('master_link_status:up');
            const seen = await setup.sentinelSays('replicas');
            // The one replica, flagged neither s_down nor disconnected.
            return isInSync && seen.includes(`\n${replicaPort}\n`) && /^flags\nslave$/m.test(seen);
          },
          20_000,
          'the replica in sync, known to the sentinel and seen up by it',
          100,
        ),
      );
      return setup;
    } catch (error) {
      await servers.stop();
      throw error;
    }
  }

  private async sentinelSays(what: 'master' | 'replicas' | 'get-master-addr-by-name'): Promise<string> {
    return cli(this.sentinel.port, 'sentinel', what, RedisWithSentinel.primaryName);
  }

  /**
   * What the servers saw, for a failure message: the sentinel's view (TILT, the primary's
   * flags and failover state, the replicas' flags and INFO age), the replica's role and
   * both logs' tails (the sentinel logs +sdown, +odown, +tilt, -failover-abort-… there).
   */
  async explain(): Promise<string> {
    const ask = (port: number, ...args: string[]) =>
      cli(port, ...args).catch((error: unknown) => `(${error instanceof Error ? error.message : String(error)})`);
    const sections = [
      [`primary ${this.primaryPort} killed at`, this.#killedAt?.toISOString() ?? 'never'],
      ['sentinel: info sentinel', await ask(this.sentinel.port, 'info', 'sentinel')],
      ['sentinel master', await ask(this.sentinel.port, 'sentinel', 'master', RedisWithSentinel.primaryName)],
      ['sentinel replicas', await ask(this.sentinel.port, 'sentinel', 'replicas', RedisWithSentinel.primaryName)],
      [`replica ${this.replicaPort}: info replication`, await ask(this.replicaPort, 'info', 'replication')],
      [`sentinel ${this.sentinel.port} log`, await this.servers.logTail(this.sentinel.port, 60)],
      [`replica ${this.replicaPort} log`, await this.servers.logTail(this.replicaPort, 20)],
    ];
    return sections.map(([title, text]) => `--- ${title}\n${text?.trimEnd()}`).join('\n');
  }

  /** `work`, its failure carrying {@link explain}'s account of the servers. */
  async explainingFailure<T>(work: Promise<T>): Promise<T> {
    try {
      return await work;
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      throw new Error(`${message}\n${await this.explain()}`, { cause: error });
    }
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
    this.#killedAt = new Date();
    this.primary.kill('SIGKILL');
    await exited;
  }

  stop(): Promise<void> {
    return this.servers.stop();
  }
}

/** `redis-cli -p <port> <args>`'s output; a server that does not answer within 2 s is an error. */
async function cli(port: number, ...args: string[]): Promise<string> {
  return (await run('redis-cli', ['-p', String(port), ...args], { timeout: 2_000 })).stdout;
}
