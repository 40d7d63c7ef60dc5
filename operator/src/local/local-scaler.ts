import { spawn } from 'node:child_process';
import type { ScheduledPush } from '../api/v1alpha1.js';
import { createPodScrapeSource, type Fetch } from '../metrics/request-rate-source.js';
import { announcedPushes, observedRate, prescaleDefaults } from '../reconcile/prescaling.js';
import { decideReplicas, type ScaleDecision } from '../scaling/decide.js';
import { prescaleMinimum } from '../scaling/prescale.js';
import { emptyScalerState, type ScalerState, type ScalingBehavior, type Tier } from '../scaling/scaling.types.js';
import { LocalProcessDriver, type Spawner } from './local-process-driver.js';

/** Spawns with inherited stdio so the copies' JSON logs show in the terminal. */
export const nodeSpawner: Spawner = (argv, env) => {
  const [command, ...args] = argv;
  if (command === undefined) throw new Error('empty command');
  return spawn(command, args, { env: { ...process.env, ...env }, stdio: 'inherit' });
};

export interface LocalScalerOptions {
  readonly service: string;
  readonly command: readonly string[];
  readonly basePort: number;
  /** Env var that carries the port (default MPSTACK_INGRESS_PORT). */
  readonly portEnv?: string;
  readonly env?: Readonly<Record<string, string>>;
  readonly min: number;
  readonly max: number;
  /** Target requests per second per copy. */
  readonly target: number;
  readonly clock: () => number;
  readonly intervalMs?: number;
  readonly tolerance?: number;
  readonly behavior?: ScalingBehavior;
  readonly tiers?: readonly Tier[];
  readonly spawn?: Spawner;
  readonly fetch?: Fetch;
  readonly stopTimeoutMs?: number;
  /**
   * The pushes the business service announces (`mpstack dev`: its `/api/scheduled-pushes`),
   * read every round: from `prescaleDefaults.leadSeconds` before a push's start until its
   * end the copies get the floor the operator would set (undefined: unreadable, the last
   * list is kept).
   */
  readonly announcements?: () => Promise<readonly ScheduledPush[] | undefined>;
  /** Called after every decision (the CLI prints it); never throws into the loop. */
  readonly onDecision?: (decision: ScaleDecision, prescale: LocalPrescale) => void;
}

/** What pre-scaling did in a round: the announced pushes and the floor they set (0: none applies). */
export interface LocalPrescale {
  readonly pushes: readonly ScheduledPush[];
  readonly floor: number;
}

export interface LocalScaler {
  readonly driver: LocalProcessDriver;
  /** One observe → decide → apply round; the loop calls it every interval, tests call it directly. */
  tick(): Promise<ScaleDecision>;
  stop(): Promise<void>;
}

async function probeReady(driver: LocalProcessDriver, fetchFn: Fetch): Promise<void> {
  await Promise.all(
    driver.urls('/readyz').map(async ({ index, url }) => {
      try {
        const response = await fetchFn(url, { signal: AbortSignal.timeout(1000) });
        driver.markReady(index, response.ok);
      } catch {
        driver.markReady(index, false);
      }
    }),
  );
}

/**
 * The operator's scaling loop applied to local processes (`mpstack dev --scale auto`): every
 * interval, probe each copy's `/readyz`, scrape its `/metrics`, run `decideReplicas` and
 * start or SIGTERM copies. A failed scrape holds the count, as in the cluster.
 */
export function startLocalScaler(options: LocalScalerOptions): LocalScaler {
  const fetchFn = options.fetch ?? fetch;
  const driver = new LocalProcessDriver({
    argv: options.command,
    basePort: options.basePort,
    portEnv: options.portEnv ?? 'MPSTACK_INGRESS_PORT',
    spawn: options.spawn ?? nodeSpawner,
    ...(options.env === undefined ? {} : { env: options.env }),
    ...(options.stopTimeoutMs === undefined ? {} : { stopTimeoutMs: options.stopTimeoutMs }),
  });
  const source = createPodScrapeSource({
    clock: options.clock,
    fetch: fetchFn,
    maxAgeMs: 4 * (options.intervalMs ?? 15_000),
  });
  let state: ScalerState = emptyScalerState;
  let announced: readonly ScheduledPush[] = [];
  let timer: NodeJS.Timeout | undefined;
  let isStopped = false;
  driver.scaleTo(options.min);
  const tick = async (): Promise<ScaleDecision> => {
    await probeReady(driver, fetchFn);
    const metric = await source.read({ service: options.service, pods: driver.targets(), target: options.target });
    announced = (await options.announcements?.().catch(() => undefined)) ?? announced;
    const floor = prescaleMinimum({
      now: options.clock(),
      pushes: announcedPushes(announced),
      targetPerReplica: options.target,
      baselineRate: observedRate(metric),
      ...prescaleDefaults,
    });
    const decision = decideReplicas(
      {
        now: options.clock(),
        currentReplicas: driver.replicas,
        minReplicas: options.min,
        maxReplicas: options.max,
        metrics: [metric],
        ...(options.tolerance === undefined ? {} : { tolerance: options.tolerance }),
        ...(options.behavior === undefined ? {} : { behavior: options.behavior }),
        ...(options.tiers === undefined ? {} : { tiers: options.tiers }),
        ...(floor > 0 ? { floor } : {}),
      },
      state,
    );
    state = decision.state;
    if (!isStopped) driver.scaleTo(decision.replicas);
    try {
      options.onDecision?.(decision, { pushes: announced, floor });
    } catch {
      // a reporting hook must not stop the loop
    }
    return decision;
  };
  const schedule = () => {
    timer = setTimeout(() => {
      void tick()
        .catch(() => undefined)
        .finally(() => {
          if (!isStopped) schedule();
        });
    }, options.intervalMs ?? 15_000);
  };
  schedule();
  return {
    driver,
    tick,
    async stop() {
      isStopped = true;
      if (timer !== undefined) clearTimeout(timer);
      await driver.close();
    },
  };
}
