import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { until } from '@mpstack/testkit';
import { Redis } from 'ioredis';
import { FaultServer, freePort, ServerProcess } from './process.js';

export interface RedisServerOptions {
  /**
   * `aof`: every write is fsynced to an append-only file, so a restart after `kill()` keeps
   * the keys (a crash of a durable Redis); `none` (default): a restart starts empty.
   */
  readonly persistence?: 'none' | 'aof';
}

/**
 * A redis-server of the test's own, on a free port with its own directory — never the
 * machine's shared Redis. `stall()`/`pause()` freeze it with SIGSTOP (clients keep their
 * connections and get no answer), `kill()` is a crash, `restart()` starts it again on the
 * same port.
 */
export class RedisServer extends FaultServer {
  private constructor(
    process: ServerProcess,
    readonly port: number,
    dir: string,
  ) {
    super(process, dir);
  }

  static async start(options: RedisServerOptions = {}): Promise<RedisServer> {
    const port = await freePort();
    const dir = await mkdtemp(join(tmpdir(), 'mpstack-fault-redis-'));
    const durable = options.persistence === 'aof';
    const args = [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--dir',
      dir,
      '--save',
      '',
      '--appendonly',
      durable ? 'yes' : 'no',
      '--appendfsync',
      'always',
      '--protected-mode',
      'no',
    ];
    const server = new RedisServer(new ServerProcess('redis-server', 'redis-server', args, process.env), port, dir);
    await server.waitUntilReady();
    return server;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** Resolves once the server answers PING. */
  override async waitUntilReady(timeoutMs = 10_000): Promise<void> {
    await until(
      async () => {
        if (!this.process.isRunning) throw new Error(`redis-server exited: ${this.process.output}`);
        const client = new Redis(this.url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
        client.on('error', () => undefined);
        try {
          await client.connect();
          return (await client.ping()) === 'PONG';
        } finally {
          client.disconnect();
        }
      },
      timeoutMs,
      `redis-server on port ${this.port}`,
      50,
    );
  }
}
