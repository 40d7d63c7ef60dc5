import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CallbackDispatcher } from './api/callback-dispatcher.js';
import { createSimulatorApp } from './app.js';
import { AdjustableClock } from './clock.js';
import { SimulatorState } from './state/simulator-state.js';
import type { SimAccount, SimLimits } from './types.js';

export interface StartSimulatorOptions {
  /** 0 picks a free port. */
  readonly port: number;
  readonly host?: string;
  readonly accounts: readonly SimAccount[];
  /** e.g. `http://127.0.0.1:8080`; messages and events go to `<ingressBaseUrl>/wx/<account id>`. */
  readonly ingressBaseUrl: string;
  readonly limits?: Partial<SimLimits>;
  /** Defaults to a running clock at real time that `/_sim/clock` can move. */
  readonly clock?: AdjustableClock;
  /** Per-delivery timeout for pushes to the ingress (WeChat: 5 s). */
  readonly deliveryTimeoutMs?: number;
}

export interface RunningSimulator {
  /** Base URL, e.g. `http://127.0.0.1:41234`; the phone page is at `<url>/phone`. */
  readonly url: string;
  readonly state: SimulatorState;
  readonly clock: AdjustableClock;
  /** Stops accepting requests, waits for pending event pushes, closes connections. Idempotent. */
  close(): Promise<void>;
}

/** Starts the simulator for `mpstack dev` / `mpstack sim`: builds the app and listens. */
export async function startSimulator(options: StartSimulatorOptions): Promise<RunningSimulator> {
  const clock = options.clock ?? new AdjustableClock();
  const state = new SimulatorState({
    clock: clock.now,
    accounts: options.accounts,
    ...(options.limits ? { limits: options.limits } : {}),
  });
  const timeout = options.deliveryTimeoutMs === undefined ? {} : { timeoutMs: options.deliveryTimeoutMs };
  const callbacks = new CallbackDispatcher({ clock: clock.now, callbackBaseUrl: options.ingressBaseUrl, ...timeout });
  const app = createSimulatorApp({
    clock: clock.now,
    adjustableClock: clock,
    accounts: options.accounts,
    ingressBaseUrl: options.ingressBaseUrl,
    state,
    callbacks,
    ...(options.deliveryTimeoutMs === undefined ? {} : { deliveryTimeoutMs: options.deliveryTimeoutMs }),
  });
  const host = options.host ?? '127.0.0.1';
  const server = await new Promise<Server>((resolve, reject) => {
    const listening = app.listen(options.port, host, (error?: Error) => (error ? reject(error) : resolve(listening)));
  });
  const { port } = server.address() as AddressInfo;
  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      await callbacks.drain();
      server.closeAllConnections();
      await stopped;
    })();
    return closing;
  };
  const hostInUrl = host.includes(':') ? `[${host}]` : host;
  return { url: `http://${hostInUrl}:${port}`, state, clock, close };
}
