import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AdjustableClock } from './clock.js';
import { createSimulator, type SimulatorOptions } from './simulator.js';
import type { SimulatorState } from './simulator-state.js';

export interface StartSimulatorOptions extends SimulatorOptions {
  /** 0 picks a free port. */
  readonly port: number;
  readonly host?: string;
  /** e.g. `http://127.0.0.1:8080`; messages and events go to `<ingressBaseUrl>/wx/<account id>`. */
  readonly ingressBaseUrl: string;
  /** Defaults to a running clock at real time that `/_sim/clock` can move. */
  readonly clock?: AdjustableClock;
}

export interface RunningSimulator {
  /** Base URL, e.g. `http://127.0.0.1:41234`; the phone page is at `<url>/phone`. */
  readonly url: string;
  readonly state: SimulatorState;
  readonly clock: AdjustableClock;
  /** Stops accepting requests, waits for pending event pushes, closes connections. Idempotent. */
  close(): Promise<void>;
}

/** Starts the simulator for `mpstack dev` / `mpstack sim`: composes it and listens. */
export async function startSimulator(options: StartSimulatorOptions): Promise<RunningSimulator> {
  const { port, host = '127.0.0.1', ...composition } = options;
  const simulator = createSimulator(composition);
  const server = await new Promise<Server>((resolve, reject) => {
    const listening = simulator.app.listen(port, host, (error?: Error) => (error ? reject(error) : resolve(listening)));
  });
  const address = server.address() as AddressInfo;
  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      await simulator.drain();
      server.closeAllConnections();
      await stopped;
    })();
    return closing;
  };
  const hostInUrl = host.includes(':') ? `[${host}]` : host;
  // Without an injected clock the composition made an adjustable one.
  const clock = simulator.clock as AdjustableClock;
  return { url: `http://${hostInUrl}:${address.port}`, state: simulator.state, clock, close };
}
