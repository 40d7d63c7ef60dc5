import { mkdir, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { dirname } from 'node:path';
import type { AdjustableClock } from './clock.js';
import type { HostDownMode, HostName } from './faults/fault-store.js';
import { generateCertificate } from './https/certificate.js';
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
  /**
   * An HTTPS listener for clients whose only setting is a host and keep `https://` (0 picks a
   * free port): its certificate, for localhost / 127.0.0.1 / ::1, is signed by a CA made at
   * start, returned as {@link RunningSimulator.https} and written to `caFile` when given.
   * It serves the `api` host (taken down with it).
   */
  readonly httpsPort?: number;
  readonly caFile?: string;
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
  /** With `httpsPort`: its base URL and the CA (PEM) to trust, and the file it was written to. */
  readonly https?: { readonly url: string; readonly caPem: string; readonly caFile?: string };
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
    private readonly create: () => Server,
    private readonly bindHost: string,
  ) {
    this.server = create();
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
      this.server = this.create();
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
  const { port, host = '127.0.0.1', api2Port, httpsPort, caFile, smtpPort, ...composition } = options;
  const simulator = createSimulator(composition);
  const { faults } = simulator.state;
  const listeners: { readonly name: HostName; readonly listener: HostListener }[] = [];
  const urls: Partial<Record<HostName, string>> = {};
  const hostInUrl = host.includes(':') ? `[${host}]` : host;
  const start = async (name: HostName, wanted: number, create: () => Server): Promise<number> => {
    const listener = new HostListener(create, host);
    const bound = await listener.listen(wanted);
    faults.registerPort(bound, name);
    listeners.push({ name, listener });
    return bound;
  };
  urls.api = `http://${hostInUrl}:${await start('api', port, () => createServer(simulator.listener))}`;
  if (api2Port !== undefined) {
    urls.api2 = `http://${hostInUrl}:${await start('api2', api2Port, () => createServer(simulator.listener))}`;
  }
  let https: RunningSimulator['https'];
  if (httpsPort !== undefined) {
    const certificate = generateCertificate();
    if (caFile !== undefined) {
      await mkdir(dirname(caFile), { recursive: true });
      await writeFile(caFile, certificate.caPem);
    }
    const create = () => createHttpsServer({ cert: certificate.certPem, key: certificate.keyPem }, simulator.listener);
    const bound = await start('api', httpsPort, create);
    https = {
      url: `https://${hostInUrl}:${bound}`,
      caPem: certificate.caPem,
      ...(caFile === undefined ? {} : { caFile }),
    };
  }
  const smtp =
    smtpPort === undefined
      ? undefined
      : await startSmtpListener({ mailbox: simulator.mailbox, port: smtpPort, host }).catch(async (error: unknown) => {
          await Promise.all(listeners.map(({ listener }) => listener.close(() => simulator.drain())));
          throw error;
        });
  // The control that changed the host answers once the port is closed or listening again.
  const pending = new Set<Promise<void>>();
  const unsubscribe = faults.onHostChange(async (name, mode) => {
    const changes = listeners
      .filter((entry) => entry.name === name)
      .map((entry) => entry.listener.follow(mode).catch(() => undefined));
    for (const change of changes) pending.add(change);
    await Promise.all(changes);
    for (const change of changes) pending.delete(change);
  });
  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      unsubscribe();
      await Promise.allSettled([...pending]);
      await Promise.all(listeners.map(({ listener }) => listener.close(() => simulator.drain())));
      await smtp?.close();
    })();
    return closing;
  };
  // Without an injected clock the composition made an adjustable one.
  const clock = simulator.clock as AdjustableClock;
  return {
    url: urls.api,
    hosts: urls,
    ...(https === undefined ? {} : { https }),
    state: simulator.state,
    clock,
    mailbox: simulator.mailbox,
    smtp,
    close,
  };
}
