import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { until } from '@mpstack/testkit';
import { freePort } from './fault/index.js';

const cli = fileURLToPath(new URL('../../../services/cli/bin/mpstack.js', import.meta.url));

/** How a replica process ended. */
export interface Exit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly afterMs: number;
}

/**
 * An ingress replica as a real process (`mpstack run ingress`, the container entrypoint), for
 * what an in-process replica cannot show: its SIGTERM handling and exit status. Its log lines
 * (JSON) are kept for assertions and failure messages.
 */
export class IngressProcess {
  readonly lines: string[] = [];
  readonly #child: ChildProcess;
  readonly #exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  private constructor(
    child: ChildProcess,
    readonly url: string,
  ) {
    this.#child = child;
    // 'close', not 'exit': the last log lines are read from the pipes by then.
    this.#exited = new Promise((resolve) => child.once('close', (code, signal) => resolve({ code, signal })));
    let rest = '';
    const keep = (chunk: Buffer): void => {
      const parts = (rest + chunk.toString('utf8')).split('\n');
      rest = parts.pop() ?? '';
      this.lines.push(...parts.filter((line) => line !== ''));
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
  }

  /** Starts a replica with `env` (see `Stack.replicaEnv`) on a free port; resolves once `/healthz` answers. */
  static async start(env: Record<string, string>): Promise<IngressProcess> {
    const port = await freePort();
    const child = spawn(process.execPath, [cli, 'run', 'ingress'], {
      env: { ...process.env, ...env, MPSTACK_INGRESS_PORT: String(port), MPSTACK_LOG_LEVEL: 'info' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const replica = new IngressProcess(child, `http://127.0.0.1:${port}`);
    process.once('exit', () => child.kill('SIGKILL'));
    try {
      await until(
        async () => {
          if (child.exitCode !== null) throw new Error(`ingress exited at start-up:\n${replica.lines.join('\n')}`);
          return (await fetch(`${replica.url}/healthz`).catch(() => undefined))?.ok === true;
        },
        20_000,
        'the ingress process to listen',
      );
    } catch (error) {
      child.kill('SIGKILL');
      throw error;
    }
    return replica;
  }

  get pid(): number | undefined {
    return this.#child.pid;
  }

  /** Log lines whose `msg` contains `text`. */
  logged(text: string): string[] {
    return this.lines.filter((line) => line.includes(text));
  }

  /** SIGTERM (Kubernetes ending the pod) and the exit that follows. */
  async terminate(): Promise<Exit> {
    const started = Date.now();
    this.#child.kill('SIGTERM');
    const { code, signal } = await this.#exited;
    return { code, signal, afterMs: Date.now() - started };
  }

  /** SIGKILL, for cleanup. */
  async kill(): Promise<void> {
    if (this.#child.exitCode !== null || this.#child.signalCode !== null) return;
    this.#child.kill('SIGKILL');
    await this.#exited;
  }
}
