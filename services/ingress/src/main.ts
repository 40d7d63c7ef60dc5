import type { Environment } from '@mpstack/common/config';
import type { Logger } from '@mpstack/common/logging';
import { type Infrastructure, openInfrastructure } from '@mpstack/common/runtime';
import { runService, type ServiceDefinition, startComposed } from '@mpstack/common/shell';
import type { Telemetry } from '@mpstack/common/telemetry';
import { createAccountStatusRepository } from './account-status/account-status.repository.js';
import { loadAccountSources } from './accounts/accounts.repository.js';
import { createIngress, type Ingress } from './app.js';
import { type IngressConfig, loadIngressConfig } from './config.js';
import type { FastPathPlugin } from './rules/rule.types.js';
import { loadReplyRules } from './rules/rule-loader.js';
import { databaseHandover } from './spool/handover.js';

/** What the ingress's compose built, for callers that look inside. */
export interface IngressParts {
  readonly ingress: Ingress;
  readonly infrastructure: Infrastructure;
}

export interface IngressServiceOptions {
  /** Shared infrastructure (`mpstack dev` runs several services on one in-process queue); not closed by the ingress. */
  readonly infrastructure?: Infrastructure;
  readonly plugins?: readonly FastPathPlugin[];
  /** Told what was built, for callers that look inside (the dev stack, the end-to-end tests). */
  readonly onComposed?: (built: IngressParts) => void;
}

/**
 * The ingress as a service definition: infrastructure → ingress, served by the shell
 * (`runService` / `startService` in common) with the webhook ahead of express.
 */
export function ingressService(options: IngressServiceOptions = {}): ServiceDefinition<IngressConfig> {
  return {
    name: 'ingress',
    config: loadIngressConfig,
    async compose({ config, logger, telemetry, onClose }) {
      let infrastructure = options.infrastructure;
      if (infrastructure === undefined) {
        const own = await openInfrastructure(
          { service: 'ingress', ...config, migrate: true, publishTimeoutMs: config.publishTimeoutMs },
          logger,
        );
        onClose('infrastructure', () => own.close());
        infrastructure = own;
      }
      const { db } = infrastructure;
      const ingress = createIngress({
        logger,
        telemetry,
        coordination: infrastructure.coordination,
        queue: infrastructure.queue,
        loadAccounts: () => loadAccountSources(db),
        loadRules: (accountId) => loadReplyRules(db, accountId, logger),
        settings: config,
        spoolDir: `${config.dataDir}/spool`,
        handover: databaseHandover(db),
        accountStatus: createAccountStatusRepository(db),
        shutdownDrainMs: config.shutdownDrainSeconds * 1000,
        ...(options.plugins === undefined ? {} : { plugins: options.plugins }),
      });
      await ingress.start();
      // The slow path's loops stop and the log events are flushed once the server took its last request.
      onClose('ingress', () => ingress.close());
      options.onComposed?.({ ingress, infrastructure });
      return {
        listen: { port: config.port, host: config.host },
        fastHandler: ingress.fastHandler,
        app: ingress.app,
        ready: ingress.readiness,
        describe: { accounts: ingress.registry.size, ...infrastructure.mode },
      };
    },
  };
}

export interface StartIngressOptions extends Omit<IngressServiceOptions, 'onComposed'> {
  readonly config: IngressConfig;
  readonly logger?: Logger;
  readonly telemetry?: Telemetry;
}

export interface RunningIngress {
  readonly url: string;
  readonly ingress: Ingress;
  readonly infrastructure: Infrastructure;
  /** Closes through the shell; rejects naming the close steps that failed (after running all). */
  close(): Promise<void>;
}

/** Starts the ingress in this process through the service shell (`mpstack dev`, tests). */
export async function startIngress(options: StartIngressOptions): Promise<RunningIngress> {
  const { built, url, close } = await startComposed(
    (onComposed: (built: IngressParts) => void) => ingressService({ ...options, onComposed }),
    options.config,
    options,
  );
  return { url, ingress: built.ingress, infrastructure: built.infrastructure, close };
}

/** The container entrypoint (`mpstack run ingress`): config from the environment, the shell's signals and exit code. */
export async function runIngress(env: Environment): Promise<void> {
  await runService(ingressService(), env);
}
