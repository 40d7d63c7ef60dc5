import { runAdmin } from '@mpstack/admin';
import { runBusiness } from '@mpstack/business';
import type { Environment } from '@mpstack/common/config';
import { serviceCatalog } from '@mpstack/common/contracts';
import { AppError } from '@mpstack/common/errors';
import { runService as runWithShell } from '@mpstack/common/shell';
import { runIngress } from '@mpstack/ingress';
import { runLog } from '@mpstack/log';
import { runOperatorService } from '@mpstack/operator';
import { simulatorsService } from '@mpstack/simulators';
import { demoSimAccount } from '../dev/demo-account.js';
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
    await runWithShell(simulatorsService({ accounts: [demoSimAccount] }), env);
  },
};

/** `mpstack run <name>`: starts the service; an unknown or not-yet-built name lists the runnable ones. */
export async function runService(name: string, env: Environment): Promise<void> {
  const runner = serviceRunners[name];
  if (runner === undefined || !runnableServices().includes(name)) {
    const known = serviceCatalog.some((entry) => entry.name === name);
    throw new AppError(
      'bad_request',
      `${known ? `service "${name}" is not built yet` : `unknown service "${name}"`}; available: ${runnableServices().join(', ')}`,
    );
  }
  await runner(env);
}
