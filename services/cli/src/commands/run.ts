import { runAdmin } from '@mpstack/admin';
import { runBusiness } from '@mpstack/business';
import type { Environment } from '@mpstack/common/config';
import { serviceCatalog } from '@mpstack/common/contracts';
import { AppError } from '@mpstack/common/errors';
import { runIngress } from '@mpstack/ingress';
import { runLog } from '@mpstack/log';
import { runOperatorService } from '@mpstack/operator';
import { runSimulators } from '@mpstack/simulators';
import { demoSimAccount } from '../dev/demo-account.js';
import { migrate } from './migrate.js';
import { runnableServices } from './runnable.js';

export { runnableServices } from './runnable.js';

/**
 * The one registry of `mpstack run <name>`: a runner for each service the catalog
 * (`@mpstack/common/contracts`) marks runnable — a test keeps the two equal. The CLI is the
 * only package that imports services.
 */
export const serviceRunners: Readonly<Record<string, (env: Environment) => Promise<void>>> = {
  admin: runAdmin,
  business: runBusiness,
  ingress: runIngress,
  log: runLog,
  operator: runOperatorService,
  // The demo account of `mpstack dev`, so the phone works against a separately run ingress.
  simulators: async (env) => {
    await runSimulators(env, { accounts: [demoSimAccount] });
  },
};

/** The services that read accounts and rules at start-up: `MPSTACK_SEED_FILE` is loaded before they start. */
const seededServices: ReadonlySet<string> = new Set(['ingress', 'admin']);

/**
 * `mpstack run <name>`: starts the service; an unknown or not-yet-built name lists the
 * runnable ones. With `MPSTACK_SEED_FILE`, the ingress and the admin service start after the
 * CLI has migrated and seeded the database (the services themselves never seed).
 */
export async function runService(name: string, env: Environment): Promise<void> {
  const runner = serviceRunners[name];
  if (runner === undefined || !runnableServices().includes(name)) {
    const known = serviceCatalog.some((entry) => entry.name === name);
    throw new AppError(
      'bad_request',
      `${known ? `service "${name}" is not built yet` : `unknown service "${name}"`}; available: ${runnableServices().join(', ')}`,
    );
  }
  const seedFile = env['MPSTACK_SEED_FILE'];
  if (seedFile !== undefined && seedFile !== '' && seededServices.has(name)) await migrate(env, seedFile);
  await runner(env);
}
