import type { Environment } from '@mpstack/common/config';
import type { Logger } from '@mpstack/common/logging';
import type { QueuePort } from '@mpstack/common/ports';
import {
  type Infrastructure,
  openInfrastructure,
  type ServiceAccessLogOptions,
  serviceAccessLog,
} from '@mpstack/common/runtime';
import { type RunningService, runService, type ServiceDefinition, startComposed } from '@mpstack/common/shell';
import type { Telemetry } from '@mpstack/common/telemetry';
import type { Express, RequestHandler } from 'express';
import { createAccountsRouter } from './accounts/accounts.router.js';
import { createAccountsService } from './accounts/accounts.service.js';
import { apiBasePath } from './api-types.js';
import { createAdminApp } from './app.js';
import { recordAudit } from './audit/audit.repository.js';
import { createAuditRouter } from './audit/audit.router.js';
import { type AdminConfig, loadAdminConfig } from './config.js';
import { LogClient } from './logs/log-client.js';
import { createLogsRouter } from './logs/logs.router.js';
import { BusinessClient } from './outbound/business-client.js';
import { createOutboundRouter } from './outbound/outbound.router.js';
import { createRulesRouter } from './rules/rules.router.js';
import { createRulesService } from './rules/rules.service.js';
import { Lockout } from './session/lockout.js';
import { clientIp, createSessionRouter, sessionMiddleware } from './session/session.router.js';
import { SessionService } from './session/session.service.js';
import { createUsersRepository } from './users/users.repository.js';
import { createUsersRouter } from './users/users.router.js';

export interface AdminServiceOptions {
  /** Shared infrastructure (`mpstack dev`); not closed by the admin service. */
  readonly infrastructure?: Infrastructure;
  /** Given the composed express app (tests read its routes with `apiRoutesOf`). */
  readonly onApp?: (app: Express) => void;
}

/** The admin service as a definition for the shell: infrastructure → the API and the console's build. */
export function adminService(options: AdminServiceOptions = {}): ServiceDefinition<AdminConfig> {
  return {
    name: 'admin',
    config: loadAdminConfig,
    async compose({ config, logger, telemetry, onClose }) {
      let infrastructure = options.infrastructure;
      if (infrastructure === undefined) {
        const own = await openInfrastructure({ service: 'admin', ...config, migrate: true }, logger);
        onClose('infrastructure', () => own.close());
        infrastructure = own;
      }
      const { db, coordination } = infrastructure;
      const sessions = new SessionService({
        coordination,
        users: createUsersRepository(db),
        lockout: new Lockout(coordination),
        lifetime: { idleMs: config.sessionIdleMs, absoluteMs: config.sessionAbsoluteMs },
        audit: (entry) => recordAudit(db, entry),
      });
      const logClient = new LogClient({ baseUrl: config.logUrl, timeoutMs: config.logTimeoutMs });
      onClose('log client', () => logClient.close());
      const businessClient = new BusinessClient({ baseUrl: config.businessUrl, timeoutMs: config.businessTimeoutMs });
      onClose('business client', () => businessClient.close());
      const writes = {
        db,
        audit: recordAudit,
        publish: (channel: string, payload: string) => coordination.publish(channel, payload),
        logger,
      };
      const app = createAdminApp({
        logger,
        webDir: config.webDir,
        maxBodyBytes: config.maxBodyBytes,
        trustedProxies: config.trustedProxies,
        access: adminAccessLog(config, infrastructure.queue, { logger, telemetry, onClose }),
        api: [
          sessionMiddleware({ sessions, allowedOrigins: config.allowedOrigins }),
          createSessionRouter(sessions),
          createAuditRouter(db),
          createUsersRouter(db),
          createLogsRouter({ client: logClient, logger, csvMaxRows: config.csvMaxRows }),
          createAccountsRouter(createAccountsService(writes)),
          createRulesRouter(createRulesService(writes)),
          createOutboundRouter({
            client: businessClient,
            logger,
            audit: (req) => {
              const who = { actor: req.adminSession?.user.username ?? '', ip: clientIp(req) };
              return (action, target, after) => recordAudit(db, { ...who, action, target, after });
            },
          }),
        ],
        onDenied: (req, failure) =>
          recordAudit(db, {
            actor: req.adminSession?.user.username ?? '',
            ip: clientIp(req),
            action: 'api.denied',
            target: `${req.method} ${req.path}`.slice(0, 255),
            outcome: 'denied',
            after: { reason: failure.message },
          }),
      });
      options.onApp?.(app);
      return {
        listen: { port: config.port, host: config.host },
        app,
        // An upload of a million recipients is streamed on to the business service as it is stored.
        requestTimeoutMs: 30 * 60_000,
        ready: async () => ({
          database: await db
            .selectFrom('accounts')
            .select('id')
            .limit(1)
            .execute()
            .then(
              () => true,
              () => false,
            ),
          coordination: await coordination.ping(),
        }),
        describe: {
          ...infrastructure.mode,
          console: `/admin/`,
          logUrl: config.logUrl,
          businessUrl: config.businessUrl,
        },
      };
    },
  };
}

/**
 * The API's access events, sent to the log service's queue in batches: the broker being down
 * neither delays a request nor stops the service (the oldest events are dropped, and counted).
 */
function adminAccessLog(
  config: AdminConfig,
  queue: QueuePort,
  shell: Pick<ServiceAccessLogOptions, 'logger' | 'telemetry' | 'onClose'>,
): RequestHandler {
  return serviceAccessLog({
    ...shell,
    queue,
    maxBuffered: config.accessBuffer,
    service: 'admin',
    prefix: apiBasePath,
    userId: (req) => req.adminSession?.user.id,
    ip: clientIp,
  });
}

export interface StartAdminOptions extends AdminServiceOptions {
  readonly config: AdminConfig;
  readonly logger?: Logger;
  readonly telemetry?: Telemetry;
}

/** Starts the admin service in this process through the shell (`mpstack dev`, tests). */
export async function startAdmin(options: StartAdminOptions): Promise<RunningService> {
  const { service } = await startComposed(
    (onApp: (app: Express) => void) =>
      adminService({
        ...options,
        onApp: (app) => {
          options.onApp?.(app);
          onApp(app);
        },
      }),
    options.config,
    options,
  );
  return service;
}

/** The container entrypoint (`mpstack run admin`). */
export async function runAdmin(env: Environment): Promise<void> {
  await runService(adminService(), env);
}
