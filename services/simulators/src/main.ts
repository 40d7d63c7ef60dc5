import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AdjustableClock } from './clock.js';
import type { HostDownMode, HostName } from './faults/fault-store.js';
import type { Mailbox } from './mailbox/mailbox-store.js';
import { type RunningSmtp, startSmtpListener } from './mailbox/smtp-listener.js';
import { createSimulator, type SimulatorOptions } from './simulator.js';
import type { SimulatorState } from './simulator-state.js';

export interface StartSimulatorOptions extends SimulatorOptions {
  /** 0 picks a free port. */
  readonly port: number;
  readonly host?: string;
  /**
   * A second listener standing for `api2.weixin.qq.com` (0 picks a free port): the same
   * simulator, but `/_sim/hosts/api` can take the first one down while this one works.
   */
  readonly api2Port?: number;
  /** e.g. `http://127.0.0.1:8080`; messages and events go to `<ingressBaseUrl>/wx/<account id>`. */
  readonly ingressBaseUrl: string;
  /** Defaults to a running clock at real time that `/_sim/clock` can move. */
  readonly clock?: AdjustableClock;
  /** The mailbox's SMTP server (0 picks a free port); none without it. */
  readonly smtpPort?: number;
}

export interface RunningSimulator {
  /** Base URL, e.g. `http://127.0.0.1:41234`; the phone page is at `<url>/phone`. */
  readonly url: string;
  /** Base URL of each API host: `api` is {@link url}; `api2` when `api2Port` was given. */
  readonly hosts: Readonly<Partial<Record<HostName, string>>>;
  readonly state: SimulatorState;
  readonly clock: AdjustableClock;
  readonly mailbox: Mailbox;
  /** The mailbox's SMTP server, when `smtpPort` was given. */
  readonly smtp: RunningSmtp | undefined;
  /** Stops accepting requests, waits for pending event pushes, closes connections. Idempotent. */
  close(): Promise<void>;
}

/**
 * One host's listener. Taken down in `refuse` mode it closes its port and its connections
 * (clients get ECONNREFUSED, as from a host that is gone) and listens again on the same port
 * when brought back up.
 */
class HostListener {
  private server: Server;
  private port = 0;
  private isClosed = false;

  constructor(
    private readonly app: Parameters<typeof createServer>[1],
    private readonly bindHost: string,
  ) {
    this.server = createServer(this.app);
  }

  async listen(port: number): Promise<number> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, this.bindHost, () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    this.port = (this.server.address() as AddressInfo).port;
    return this.port;
  }

  /** Follows the host's state: closed while down in `refuse` mode, listening otherwise. */
  async follow(mode: HostDownMode | undefined): Promise<void> {
    if (this.isClosed) return;
    if (mode === 'refuse' && this.server.listening) {
      await this.stop();
    } else if (mode !== 'refuse' && !this.server.listening) {
      this.server = createServer(this.app);
      await this.listen(this.port);
    }
  }

  async close(drain: () => Promise<void>): Promise<void> {
    this.isClosed = true;
    await this.stop(drain);
  }

  private async stop(drain?: () => Promise<void>): Promise<void> {
    if (!this.server.listening) return;
    const stopped = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeIdleConnections();
    await drain?.();
    this.server.closeAllConnections();
    await stopped;
  }
}

/** Starts the simulator for `mpstack dev` / `mpstack sim`: composes it and listens (on two ports with `api2Port`). */
export async function startSimulator(options: StartSimulatorOptions): Promise<RunningSimulator> {
  const { port, host = '127.0.0.1', api2Port, smtpPort, ...composition } = options;
  const simulator = createSimulator(composition);
  const { faults } = simulator.state;
  const listeners = new Map<HostName, HostListener>();
  const urls: Partial<Record<HostName, string>> = {};
  const hostInUrl = host.includes(':') ? `[${host}]` : host;
  for (const [name, wanted] of [
    ['api', port],
    ['api2', api2Port],
  ] as const) {
    if (wanted === undefined) continue;
    const listener = new HostListener(simulator.app, host);
    const bound = await listener.listen(wanted);
    faults.registerPort(bound, name);
    listeners.set(name, listener);
    urls[name] = `http://${hostInUrl}:${bound}`;
  }
  const smtp =
    smtpPort === undefined
      ? undefined
      : await startSmtpListener({ mailbox: simulator.mailbox, port: smtpPort, host }).catch(async (error: unknown) => {
          await Promise.all([...listeners.values()].map((listener) => listener.close(() => simulator.drain())));
          throw error;
        });
  // The control that changed the host answers once the port is closed or listening again.
  const pending = new Set<Promise<void>>();
  const unsubscribe = faults.onHostChange((name, mode) => {
    const change = listeners
      .get(name)
      ?.follow(mode)
      .catch(() => undefined);
    if (change === undefined) return;
    pending.add(change);
    return change.finally(() => pending.delete(change));
  });
  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      unsubscribe();
      await Promise.allSettled([...pending]);
      await Promise.all([...listeners.values()].map((listener) => listener.close(() => simulator.drain())));
      await smtp?.close();
    })();
    return closing;
  };
  // Without an injected clock the composition made an adjustable one.
  const clock = simulator.clock as AdjustableClock;
  return { url: urls.api ?? '', hosts: urls, state: simulator.state, clock, mailbox: simulator.mailbox, smtp, close };
}
