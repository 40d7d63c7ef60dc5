import type { ScrapeTarget } from '../metrics/request-rate-source.js';

/** The part of a child process the driver uses; `node:child_process` satisfies it (see `nodeSpawner`). */
export interface LocalProcess {
  readonly pid?: number | undefined;
  kill(signal: 'SIGTERM' | 'SIGKILL'): boolean;
  once(event: 'exit', listener: (code: number | null) => void): unknown;
}

export type Spawner = (argv: readonly string[], env: Readonly<Record<string, string>>) => LocalProcess;

export interface LocalProcessDriverOptions {
  /** The command, e.g. ['node', 'services/cli/bin/mpstack.js', 'run', 'ingress']. */
  readonly argv: readonly string[];
  /** Copy i listens on basePort + i, told through `portEnv`. */
  readonly basePort: number;
  readonly portEnv: string;
  readonly env?: Readonly<Record<string, string>>;
  readonly spawn: Spawner;
  readonly host?: string;
  /** After SIGTERM, how long a copy may drain before SIGKILL. */
  readonly stopTimeoutMs?: number;
}

interface Slot {
  readonly index: number;
  readonly port: number;
  readonly process: LocalProcess;
  readonly exited: Promise<void>;
  isReady: boolean;
  hasExited: boolean;
}

/**
 * N copies of one command on distinct ports: the local stand-in for a Deployment. Scaling up
 * starts copies on the lowest free slots; scaling down stops the newest with SIGTERM (the
 * services drain and exit on it) and SIGKILL after a timeout. A copy that exits by itself
 * leaves its slot, so the next `scaleTo` replaces it — level-triggered, like a ReplicaSet.
 */
export class LocalProcessDriver {
  private readonly slots = new Map<number, Slot>();
  private readonly stopping = new Set<Promise<void>>();
  /** Copies sent SIGTERM that have not exited yet. */
  private readonly leaving = new Set<Slot>();

  constructor(private readonly options: LocalProcessDriverOptions) {}

  get replicas(): number {
    return this.slots.size;
  }

  /** Scrape targets for the rate source; readiness is what the last `markReady` said. */
  targets(): ScrapeTarget[] {
    const host = this.options.host ?? '127.0.0.1';
    return [...this.slots.values()].map((slot) => ({
      name: `copy-${slot.index}`,
      metricsUrl: `http://${host}:${slot.port}/metrics`,
      phase: 'Running' as const,
      isReady: slot.isReady,
    }));
  }

  urls(path: string): { readonly index: number; readonly url: string }[] {
    const host = this.options.host ?? '127.0.0.1';
    return [...this.slots.values()].map((s) => ({ index: s.index, url: `http://${host}:${s.port}${path}` }));
  }

  /** Process ids of the copies started and not yet exited (stopping ones included). */
  pids(): number[] {
    return [...this.slots.values(), ...this.leaving]
      .filter((slot) => !slot.hasExited && slot.process.pid !== undefined)
      .map((slot) => slot.process.pid as number);
  }

  markReady(index: number, isReady: boolean): void {
    const slot = this.slots.get(index);
    if (slot !== undefined) slot.isReady = isReady;
  }

  scaleTo(replicas: number): void {
    for (let index = 0; this.slots.size < replicas; index++) if (!this.slots.has(index)) this.start(index);
    const newest = [...this.slots.keys()].sort((a, b) => b - a);
    for (const index of newest.slice(0, Math.max(this.slots.size - replicas, 0))) this.stop(index);
  }

  /** Stops every copy and waits until all have exited. */
  async close(): Promise<void> {
    this.scaleTo(0);
    await Promise.all([...this.stopping]);
  }

  private start(index: number): void {
    const port = this.options.basePort + index;
    const env = { ...this.options.env, [this.options.portEnv]: String(port) };
    const child = this.options.spawn(this.options.argv, env);
    let resolveExit: () => void = () => undefined;
    const exited = new Promise<void>((resolve) => {
      resolveExit = resolve;
    });
    const slot: Slot = { index, port, process: child, exited, isReady: false, hasExited: false };
    child.once('exit', () => {
      slot.hasExited = true;
      if (this.slots.get(index) === slot) this.slots.delete(index);
      resolveExit();
    });
    this.slots.set(index, slot);
  }

  private stop(index: number): void {
    const slot = this.slots.get(index);
    if (slot === undefined) return;
    this.slots.delete(index);
    this.leaving.add(slot);
    slot.process.kill('SIGTERM');
    const timer = setTimeout(() => {
      if (!slot.hasExited) slot.process.kill('SIGKILL');
    }, this.options.stopTimeoutMs ?? 10_000);
    const done = slot.exited.finally(() => {
      clearTimeout(timer);
      this.leaving.delete(slot);
      this.stopping.delete(done);
    });
    this.stopping.add(done);
  }
}
