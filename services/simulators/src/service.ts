import { commonEnvSchema, type Environment, intFromEnv, loadConfig } from '@mpstack/common/config';
import type { ServiceDefinition } from '@mpstack/common/shell';
import { z } from 'zod';
import { startSmtpListener } from './mailbox/smtp-listener.js';
import { createSimulator, type SimulatorOptions } from './simulator.js';

const simulatorsEnvSchema = commonEnvSchema.extend({
  MPSTACK_SIMULATORS_PORT: intFromEnv(9090, 0, 65535),
  /** The ingress the phone and the API's events post to (`<url>/wx/<account id>`). */
  MPSTACK_SIMULATORS_INGRESS_URL: z.url().default('http://127.0.0.1:8080'),
  /** The mailbox's SMTP server (the platform's MPSTACK_SMTP_URL points here in development). */
  MPSTACK_SIM_SMTP_PORT: intFromEnv(8025, 0, 65535),
  /** The simulator's HTTPS listener in `mpstack dev` (certificate and CA made at start). */
  MPSTACK_SIMULATORS_HTTPS_PORT: intFromEnv(9443, 0, 65535),
});

export interface SimulatorsConfig {
  readonly logLevel: string;
  readonly port: number;
  readonly host: string;
  readonly ingressBaseUrl: string;
  readonly smtpPort: number;
  readonly httpsPort: number;
}

/** The only place the simulators read the environment. */
export function loadSimulatorsConfig(env: Environment): SimulatorsConfig {
  const e = loadConfig(simulatorsEnvSchema, env);
  return Object.freeze({
    logLevel: e.MPSTACK_LOG_LEVEL,
    port: e.MPSTACK_SIMULATORS_PORT,
    host: e.MPSTACK_HOST,
    ingressBaseUrl: e.MPSTACK_SIMULATORS_INGRESS_URL,
    smtpPort: e.MPSTACK_SIM_SMTP_PORT,
    httpsPort: e.MPSTACK_SIMULATORS_HTTPS_PORT,
  });
}

/**
 * The simulators as a service definition (`mpstack run simulators`): the composition of
 * `createSimulator` behind the shell, which drains the pending event pushes on shutdown. The
 * accounts to simulate are the caller's (the CLI passes the demo account).
 */
export function simulatorsService(
  options: Omit<SimulatorOptions, 'ingressBaseUrl'>,
): ServiceDefinition<SimulatorsConfig> {
  return {
    name: 'simulators',
    config: loadSimulatorsConfig,
    async compose({ config, onClose }) {
      const simulator = createSimulator({ ...options, ingressBaseUrl: config.ingressBaseUrl });
      const smtp = await startSmtpListener({ mailbox: simulator.mailbox, port: config.smtpPort, host: config.host });
      onClose('smtp', () => smtp.close());
      return {
        listen: { port: config.port, host: config.host },
        app: simulator.app,
        drain: () => simulator.drain(),
        describe: { ingress: config.ingressBaseUrl, accounts: options.accounts.map((a) => a.id), smtp: smtp.url },
      };
    },
  };
}
