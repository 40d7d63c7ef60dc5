import { serviceCatalog } from '@mpstack/common/contracts';

/** Names `mpstack run` accepts, in catalog order (pure data: no service is loaded to list them). */
export function runnableServices(): string[] {
  return serviceCatalog.filter((entry) => entry.runnable).map((entry) => entry.name);
}
