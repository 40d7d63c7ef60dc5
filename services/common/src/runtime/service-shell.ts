import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Express } from 'express';
import type { Environment } from '../config/load-config.js';
import { createHttpApp, type ReadinessCheck } from '../http/app-factory.js';
import { createServiceServer, type FastHandler } from '../http/server.js';
import { createLogger, type Logger } from '../logging/logger.js';
import { createTelemetry, type Telemetry } from '../telemetry/telemetry.js';

/** What every service configuration carries for the shell (the rest is the service's own). */
export interface ShellConfig {
  readonly logLevel: string;
  /** Fraction of root traces recorded; 0 when absent. */
  readonly traceSampleRatio?: number;
}

export type RequestListener = (request: IncomingMessage, response: ServerResponse) => void;

/** A step of a service's close; `run` may fail, the next steps run anyway. */
export interface CloseStep {
  readonly name: string;
  run(): Promise<void>;
}

export interface ServiceContext<C extends ShellConfig> {
  readonly config: C;
  readonly logger: Logger;
  readonly telemetry: Telemetry;
  /**
   * Registers a close step as soon as the resource it closes exists, so a compose that fails
   * half-way still closes what it opened. Steps run last-registered first.
   */
  onClose(name: string, run: () => Promise<void>): void;
}

/** What `compose` hands back: the service's HTTP surface, its readiness and its drain. */
export interface ComposedService {
  readonly listen: { readonly port: number; readonly host: string };
  /** Routes mounted on the shell's express app (next to `/healthz`, `/readyz`, `/metrics`). */
  readonly routes?: (app: Express) => void;
  /** A whole app of the service's own, for every path but the three probes. */
  readonly app?: RequestListener;
  /** Takes requests before express (the webhook's hot path). */
  readonly fastHandler?: FastHandler;
  /** The dependencies `/readyz` reports; ready once listening when absent. */
  readonly ready?: ReadinessCheck;
  /**
   * Called once the server has stopped taking requests, before the close steps: finish or
   * hand over in-flight work by `deadline` (ms since the epoch).
   */
  readonly drain?: (deadline: number) => Promise<void>;
  /** Longest a request may take to arrive, body included (ms); Node's 300 s when absent (long uploads). */
  readonly requestTimeoutMs?: number;
  /** Fields of the "listening" log line (accounts loaded, adapters chosen, …). */
  readonly describe?: Readonly<Record<string, unknown>>;
}

/** A service as data: its name (as in the catalog), how it reads its config, how it is built. */
export interface ServiceDefinition<C extends ShellConfig> {
  readonly name: string;
  /** Parses the environment; every problem listed; the only place the service reads it. */
  readonly config: (env: Environment) => C;
  readonly compose: (context: ServiceContext<C>) => Promise<ComposedService>;
}

export interface StartServiceOptions {
  /** A parent's logger (`mpstack dev` runs several services in one process). */
  readonly logger?: Logger;
  /** Shared telemetry; the service's own (closed with it) when absent. */
  readonly telemetry?: Telemetry;
  /** Longest the drain may take (ms); 10 s when absent. */
  readonly drainMs?: number;
  /** Longest in-flight requests may take once intake stopped (ms); 5 s when absent. */
  readonly requestGraceMs?: number;
}

export interface RunningService {
  readonly name: string;
  readonly url: string;
  readonly logger: Logger;
  /** True from the first close on: `/readyz` answers 503 so load balancers stop sending. */
  readonly isClosing: () => boolean;
  /**
   * Stops intake, drains, then runs every close step even when one fails. Resolves with the
   * names of the steps that failed (empty when all succeeded). Runs once.
   */
  close(): Promise<readonly string[]>;
}

const probePaths = new Set(['/healthz', '/readyz', '/metrics']);

/**
 * The one service shell: logger, telemetry, the HTTP server with `/healthz`, `/readyz`
 * and `/metrics`, then — on close — stop intake, drain with a deadline, run every close
 * step. `mpstack dev` and tests call this; the container entrypoint is {@link runService}.
 */
export async function startService<C extends ShellConfig>(
  definition: ServiceDefinition<C>,
  config: C,
  options: StartServiceOptions = {},
): Promise<RunningService> {
  const logger = options.logger ?? createLogger({ service: definition.name, level: config.logLevel });
  const steps: CloseStep[] = [];
  const onClose = (name: string, run: () => Promise<void>) => void steps.unshift({ name, run });
  const telemetry =
    options.telemetry ?? createTelemetry({ service: definition.name, traceSampleRatio: config.traceSampleRatio ?? 0 });
  if (options.telemetry === undefined) onClose('telemetry', () => telemetry.shutdown());
  let closing = false;
  let composed: ComposedService;
  try {
    composed = await definition.compose({ config, logger, telemetry, onClose });
  } catch (error) {
    await runSteps(steps, logger);
    throw error;
  }
  const probes = createHttpApp({
    service: definition.name,
    logger,
    metricsHandler: telemetry.metricsHandler,
    readiness: async () => (closing ? { closing: false } : ((await composed.ready?.()) ?? { listening: true })),
    ...(composed.routes === undefined ? {} : { routes: composed.routes }),
  });
  const server = createServiceServer(withProbes(probes, composed.app), composed.fastHandler, {
    ...(composed.requestTimeoutMs === undefined ? {} : { requestTimeoutMs: composed.requestTimeoutMs }),
  });
  let url: string;
  try {
    url = await server.listen(composed.listen.port, composed.listen.host);
  } catch (error) {
    await runSteps(steps, logger);
    throw error;
  }
  logger.info({ url, ...composed.describe }, `${definition.name} listening`);
  let closed: Promise<readonly string[]> | undefined;
  return {
    name: definition.name,
    url,
    logger,
    isClosing: () => closing,
    close() {
      closed ??= (async () => {
        closing = true;
        const shutdown: CloseStep[] = [{ name: 'server', run: () => server.close(options.requestGraceMs ?? 5000) }];
        const { drain } = composed;
        if (drain !== undefined) {
          const deadline = Date.now() + (options.drainMs ?? 10_000);
          shutdown.push({ name: 'drain', run: () => drain(deadline) });
        }
        return runSteps([...shutdown, ...steps], logger);
      })();
      return closed;
    },
  };
}

export interface StartComposedOptions {
  /** A parent's logger; the service's own when absent or undefined. */
  readonly logger?: Logger | undefined;
  /** Shared telemetry; the service's own when absent or undefined. */
  readonly telemetry?: Telemetry | undefined;
  readonly drainMs?: number | undefined;
  readonly requestGraceMs?: number | undefined;
}

/** A service started in this process together with what its compose reported it built. */
export interface RunningComposed<B> {
  readonly url: string;
  readonly built: B;
  readonly service: RunningService;
  /** Closes through the shell; rejects naming the close steps that failed (after running all). */
  close(): Promise<void>;
}

/**
 * Starts a service whose definition reports what it built (`onComposed`) and hands that back
 * with the running service: the one place `startIngress`, `startBusiness`, `startLog` and
 * `startAdmin` (for `mpstack dev` and the tests) capture it. `define` gets the reporter to
 * pass as the definition's `onComposed`; a compose that never calls it fails the start.
 */
export async function startComposed<C extends ShellConfig, B>(
  define: (onComposed: (built: B) => void) => ServiceDefinition<C>,
  config: C,
  options: StartComposedOptions = {},
): Promise<RunningComposed<B>> {
  let built: { readonly value: B } | undefined;
  const definition = define((value) => {
    built = { value };
  });
  // Only the shell's own options: callers pass their whole start options (config, infrastructure, …).
  const { logger, telemetry, drainMs, requestGraceMs } = options;
  const service = await startService(definition, config, {
    ...(logger === undefined ? {} : { logger }),
    ...(telemetry === undefined ? {} : { telemetry }),
    ...(drainMs === undefined ? {} : { drainMs }),
    ...(requestGraceMs === undefined ? {} : { requestGraceMs }),
  });
  if (built === undefined) {
    const failed = await service.close();
    throw new Error(
      `${definition.name} composed without reporting what it built${failed.length > 0 ? ` (close failed: ${failed.join(', ')})` : ''}`,
    );
  }
  return {
    url: service.url,
    built: built.value,
    service,
    close: async () => {
      const failed = await service.close();
      if (failed.length > 0) throw new Error(`${definition.name} close failed: ${failed.join(', ')}`);
    },
  };
}

/** Sends the three probe paths to the shell's app and everything else to the service's own app. */
function withProbes(probes: RequestListener, app: RequestListener | undefined): RequestListener {
  if (app === undefined) return probes;
  return (request, response) => {
    const path = (request.url ?? '/').split('?', 1)[0] ?? '/';
    (probePaths.has(path) ? probes : app)(request, response);
  };
}

/** Runs every step in order, each even when an earlier one failed; returns the names that failed. */
export async function runSteps(steps: readonly CloseStep[], logger: Logger): Promise<string[]> {
  const failed: string[] = [];
  for (const step of steps) {
    try {
      await step.run();
    } catch (error) {
      failed.push(step.name);
      logger.error({ err: error, step: step.name }, 'close step failed');
    }
  }
  return failed;
}

export interface RunServiceOptions extends StartServiceOptions {
  /** Ends the process (tests pass a recorder); `process.exit` when absent. */
  readonly exit?: (code: number) => void;
}

/**
 * The container entrypoint (`mpstack run <name>`): config from the environment, start, and
 * on SIGTERM or SIGINT close completely, then exit 0 — or 1 when any close step failed. The
 * handlers are installed before start-up (a signal during it closes right after); a second
 * signal exits 1 at once.
 */
export async function runService<C extends ShellConfig>(
  definition: ServiceDefinition<C>,
  env: Environment,
  options: RunServiceOptions = {},
): Promise<RunningService> {
  const config = definition.config(env);
  const exit = options.exit ?? ((code: number) => process.exit(code));
  let running: RunningService | undefined;
  let signalled: NodeJS.Signals | undefined;
  const stop = (service: RunningService, signal: NodeJS.Signals) => {
    service.logger.info({ signal }, 'stopping');
    void service.close().then((failed) => {
      process.off('SIGTERM', onSignal);
      process.off('SIGINT', onSignal);
      if (failed.length > 0) service.logger.error({ failed }, 'stopped with failures');
      else service.logger.info({}, 'stopped');
      exit(failed.length > 0 ? 1 : 0);
    });
  };
  const onSignal = (signal: NodeJS.Signals) => {
    if (signalled !== undefined) {
      running?.logger.warn({ signal }, 'second signal while closing; exiting now');
      exit(1);
      return;
    }
    signalled = signal;
    if (running !== undefined) stop(running, signal);
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  try {
    running = await startService(definition, config, options);
  } catch (error) {
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
    throw error;
  }
  if (signalled !== undefined) stop(running, signalled);
  return running;
}
