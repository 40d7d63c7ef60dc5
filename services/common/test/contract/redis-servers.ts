import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { until } from '@mpstack/testkit';
import { Redis } from 'ioredis';

/** A port nothing listens on now (the kernel's pick). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (address === null || typeof address === 'string') throw new Error('no TCP address');
  return address.port;
}

/** A data node's arguments: no persistence, its log in `dir` as `<port>.log`. */
export function dataArgs(dir: string, port: number): string[] {
  return [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--dir',
    dir,
    '--save',
    '',
    '--appendonly',
    'no',
    '--logfile',
    logFile(dir, port),
  ];
}

export function logFile(dir: string, port: number): string {
  return join(dir, `${port}.log`);
}

/**
 * The Redis servers and sentinels one test file started, on free ports in one temp directory.
 * Each server logs to `<port>.log` there, so a failure can quote what the servers saw.
 */
export class Servers {
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

  /** The last `lines` lines the server on `port` logged (or why there are none). */
  async logTail(port: number, lines = 40): Promise<string> {
    try {
      const text = await readFile(logFile(this.dir, port), 'utf8');
      return text.trimEnd().split('\n').slice(-lines).join('\n');
    } catch (error) {
      return `(no log: ${error instanceof Error ? error.message : String(error)})`;
    }
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
