import { join } from 'node:path';
import { createLogger, type Environment, openInfrastructure, seed } from '@mpstack/common';
import { loadIngressConfig, startIngress } from '@mpstack/ingress';
import { startSimulator } from '@mpstack/simulators';
import { createDemoMenu, demoAccount, demoSeed, demoSimAccount } from '../dev/demo-account.js';
import { startDevWorker } from '../dev/dev-worker.js';
import { type ScaleSettings, startScaledIngress } from '../dev/scaled-ingress.js';

export interface DevOptions {
  readonly ingressPort: number;
  readonly simulatorPort: number;
  /** `--scale auto`: ingress copies as processes, scaled on their request rates. */
  readonly scale?: ScaleSettings;
}

export interface RunningDev {
  readonly urls: Readonly<Record<string, string>>;
  close(): Promise<void>;
}

/**
 * `mpstack dev`: the whole platform on this machine. With no MPSTACK_*_URL set it runs on
 * the embedded default (SQLite in .mpstack/, in-process cache and queue), seeds the demo
 * account and wires it to the WeChat simulator and its phone page.
 */
export async function startDev(env: Environment, options: DevOptions): Promise<RunningDev> {
  const config = loadIngressConfig({ ...env, MPSTACK_INGRESS_PORT: String(options.ingressPort) });
  const logger = createLogger({ service: 'dev', level: config.logLevel });
  const infrastructure = await openInfrastructure({ service: 'dev', ...config, migrate: true }, logger);
  await seed(infrastructure.db, demoSeed);
  const ingress =
    options.scale === undefined
      ? await startIngress({ config, logger: logger.child({ component: 'ingress' }), infrastructure })
      : await startScaledIngress(env, { port: options.ingressPort, host: config.host }, options.scale, logger);
  const simulator = await startSimulator({
    port: options.simulatorPort,
    host: config.host,
    ingressBaseUrl: ingress.url,
    accounts: [demoSimAccount],
  });
  await createDemoMenu(simulator.url);
  const stopWorker = await startDevWorker({
    queue: infrastructure.queue,
    partitions: config.partitions,
    logger: logger.child({ component: 'dev-worker' }),
    apiBaseUrl: simulator.url,
    appId: demoAccount.appId,
    appSecret: demoAccount.appSecret,
  });
  return {
    urls: {
      'phone (chat with the demo account)': `${simulator.url}/phone`,
      'webhook (demo account)': `${ingress.url}/wx/${demoAccount.id}`,
      'ingress health / metrics': `${ingress.url}/readyz  ${ingress.url}/metrics`,
      'WeChat API simulator': simulator.url,
      data: join(config.dataDir, 'mpstack.db'),
      mode: `${infrastructure.mode.database}, cache ${infrastructure.mode.cache}, queue ${infrastructure.mode.queue}`,
    },
    async close() {
      await Promise.allSettled([stopWorker(), simulator.close()]);
      await ingress.close();
      await infrastructure.close();
    },
  };
}
