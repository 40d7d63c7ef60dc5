import { type ChildProcess, spawn } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { createServer } from 'node:net';

/** A TCP port nothing listens on right now (the kernel's choice; a small race is accepted). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no TCP address');
  return address.port;
}

/** Every server a test started, killed when the test process exits however it exits. */
const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

/**
 * One server process a fault-injection test owns: started by the test, paused with SIGSTOP
 * (a stall: the process holds its sockets open and answers nothing), resumed with SIGCONT,
 * killed with SIGKILL (a crash). The last lines of its output are kept for failure messages.
 */
export class ServerProcess {
  #child: ChildProcess;
  #output: string[] = [];
  #isPaused = false;

  constructor(
    readonly what: string,
    private readonly command: string,
    private readonly args: readonly string[],
    private readonly env: NodeJS.ProcessEnv,
  ) {
    this.#child = this.#spawn();
  }

  get pid(): number | undefined {
    return this.#child.pid;
  }

  get isRunning(): boolean {
    return this.#child.exitCode === null && this.#child.signalCode === null;
  }

  get isPaused(): boolean {
    return this.#isPaused;
  }

  /** The last lines the process printed (stdout and stderr). */
  get output(): string {
    return this.#output.join('');
  }

  pause(): void {
    this.#child.kill('SIGSTOP');
    this.#isPaused = true;
  }

  resume(): void {
    this.#child.kill('SIGCONT');
    this.#isPaused = false;
  }

  /** SIGKILL (a crash: nothing flushed, sockets reset by the kernel); resolves once it exited. */
  async kill(): Promise<void> {
    if (!this.isRunning) return;
    const exited = new Promise((resolve) => this.#child.once('exit', resolve));
    this.#child.kill('SIGKILL');
    this.#isPaused = false;
    await exited;
  }

  /** Starts the same command again (after {@link kill}). */
  respawn(): void {
    if (this.isRunning) throw new Error(`${this.what} is still running`);
    this.#child = this.#spawn();
  }

  #spawn(): ChildProcess {
    const child = spawn(this.command, this.args, { env: this.env, stdio: ['ignore', 'pipe', 'pipe'] });
    live.add(child);
    child.once('exit', () => live.delete(child));
    const keep = (chunk: Buffer): void => {
      this.#output.push(chunk.toString('utf8'));
      if (this.#output.length > 50) this.#output.shift();
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    child.once('error', (error) => keep(Buffer.from(`spawn failed: ${error.message}\n`)));
    return child;
  }
}

/**
 * What every server of a fault test offers on top of its process: pause (SIGSTOP), resume,
 * a timed stall, kill (SIGKILL), restart with the same ports and data, stop (kill and remove
 * its directory). Subclasses say when the server is ready.
 */
export abstract class FaultServer {
  protected constructor(
    protected readonly process: ServerProcess,
    readonly dir: string,
  ) {}

  /** Resolves once the server answers its protocol (after a start or a restart). */
  abstract waitUntilReady(): Promise<void>;

  get pid(): number | undefined {
    return this.process.pid;
  }

  get isPaused(): boolean {
    return this.process.isPaused;
  }

  /** SIGSTOP: connections stay open, nothing is answered. */
  pause(): void {
    this.process.pause();
  }

  resume(): void {
    this.process.resume();
  }

  /** Freezes the server for `ms`, then lets it run again (what it received meanwhile is then handled). */
  async stall(ms: number): Promise<void> {
    this.pause();
    await new Promise((resolve) => setTimeout(resolve, ms));
    this.resume();
  }

  /** SIGKILL (a crash); resolves once it exited. */
  kill(): Promise<void> {
    return this.process.kill();
  }

  /** Starts the server again with the same ports and data (after `kill()`, or killing it first). */
  async restart(): Promise<void> {
    await this.kill();
    this.process.respawn();
    await this.waitUntilReady();
  }

  /** Kills the server and removes its files. */
  async stop(): Promise<void> {
    await this.process.kill();
    await rm(this.dir, { recursive: true, force: true });
  }
}
