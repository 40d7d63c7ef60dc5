import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { until } from '@mpstack/testkit';
import { Redis } from 'ioredis';
import { freePort, ServerProcess } from './process.js';

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
export class RedisServer {
  private constructor(
    private readonly process: ServerProcess,
    readonly port: number,
    readonly dir: string,
  ) {}

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

  get pid(): number | undefined {
    return this.process.pid;
  }

  pause(): void {
    this.process.pause();
  }

  resume(): void {
    this.process.resume();
  }

  /** Freezes the server for `ms`, then lets it run again (what it received meanwhile is then executed). */
  async stall(ms: number): Promise<void> {
    this.pause();
    await new Promise((resolve) => setTimeout(resolve, ms));
    this.resume();
  }

  kill(): Promise<void> {
    return this.process.kill();
  }

  /** Starts the server again on the same port and directory (after `kill()`). */
  async restart(): Promise<void> {
    await this.kill();
    this.process.respawn();
    await this.waitUntilReady();
  }

  /** Resolves once the server answers PING. */
  async waitUntilReady(timeoutMs = 10_000): Promise<void> {
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

  /** Kills the server and removes its directory. */
  async stop(): Promise<void> {
    await this.process.kill();
    await rm(this.dir, { recursive: true, force: true });
  }
}
