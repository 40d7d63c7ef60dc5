import type { V1EnvVar } from '@kubernetes/client-node';
import type { ServiceName, WeChatPlatform } from '../api/v1alpha1.js';
import { amqpUrlRef, databaseUrlRef, serviceObjectName } from './names.js';

/** The container's HTTP port (health, readiness, `/metrics`, and the service's own API). */
export const HTTP_PORT = 8080;

/**
 * `MPSTACK_DATA_DIR` in every service container: an emptyDir, the only writable path besides
 * `/tmp` (the root filesystem is read-only). For the ingress it holds the disk spool of
 * webhooks accepted while RabbitMQ was unreachable; an emptyDir survives container restarts
 * but not the pod. On SIGTERM the ingress forwards its spool to the broker for up to
 * {@link INGRESS_SHUTDOWN_DRAIN_SECONDS} and hands what is left to the database, where any
 * live replica forwards it; it exits non-zero, keeping the files, only when both failed.
 */
export const DATA_DIR = '/var/lib/mpstack';

/** `MPSTACK_SHUTDOWN_DRAIN_SECONDS` of the ingress; its pod's grace period is sized from it. */
export const INGRESS_SHUTDOWN_DRAIN_SECONDS = 20;

/** `MPSTACK_INGRESS_PORT`, `MPSTACK_BUSINESS_WORKER_PORT`, …: each service reads its own port variable. */
export function portVariable(service: ServiceName): string {
  return `MPSTACK_${service.toUpperCase().replaceAll('-', '_')}_PORT`;
}

/**
 * The environment of a service container: listen address and port, data directory, the
 * backend URLs from Secrets (never inlined: they carry passwords), then the spec's own
 * variables, which replace a built-in one of the same name in place rather than adding a
 * duplicate (a duplicate name makes a server-side apply of the Deployment fail).
 */
export function serviceEnv(platform: WeChatPlatform, service: ServiceName): V1EnvVar[] {
  const builtIn: V1EnvVar[] = [
    { name: 'MPSTACK_HOST', value: '0.0.0.0' },
    { name: portVariable(service), value: String(HTTP_PORT) },
    { name: 'MPSTACK_DATA_DIR', value: DATA_DIR },
    { name: 'MPSTACK_DATABASE_URL', valueFrom: { secretKeyRef: { ...databaseUrlRef(platform) } } },
    { name: 'MPSTACK_REDIS_URL', valueFrom: { secretKeyRef: { ...platform.spec.redis.urlSecret } } },
    { name: 'MPSTACK_AMQP_URL', valueFrom: { secretKeyRef: { ...amqpUrlRef(platform) } } },
    ...(service === 'ingress'
      ? [{ name: 'MPSTACK_SHUTDOWN_DRAIN_SECONDS', value: String(INGRESS_SHUTDOWN_DRAIN_SECONDS) }]
      : []),
    ...(service === 'admin' ? adminEnv(platform) : []),
    ...(service === 'log' ? logEnv(platform) : []),
    ...(service === 'business' ? businessEnv(platform) : []),
  ];
  const own = platform.spec.services[service].env ?? [];
  const overridden = new Map(own.map((v) => [v.name, v.value]));
  const merged = builtIn.map((v) => {
    const value = overridden.get(v.name);
    return value === undefined ? v : { name: v.name, value };
  });
  const builtInNames = new Set(builtIn.map((v) => v.name));
  return [...merged, ...own.filter((v) => !builtInNames.has(v.name)).map((v) => ({ name: v.name, value: v.value }))];
}

/** Where the log service's JSON-lines files go when `spec.logs.filesClaimName` names a claim (mounted there). */
export const LOG_FILES_DIR = '/var/lib/mpstack-logs';

/**
 * The log service's, from `spec.logs`: the summary e-mail (the SMTP URL from its Secret, never
 * inlined: it may carry a password; recipients, sender, time and zone as values), the
 * retention, and the files' directory on the claim when one is named.
 */
function logEnv(platform: WeChatPlatform): V1EnvVar[] {
  const logs = platform.spec.logs;
  if (logs === undefined) return [];
  const env: V1EnvVar[] = [];
  const { summary } = logs;
  if (summary !== undefined) {
    env.push({ name: 'MPSTACK_SMTP_URL', valueFrom: { secretKeyRef: { ...summary.smtpUrlSecret } } });
    env.push({ name: 'MPSTACK_SUMMARY_TO', value: summary.to });
    if (summary.from !== undefined) env.push({ name: 'MPSTACK_SUMMARY_FROM', value: summary.from });
    if (summary.at !== undefined) env.push({ name: 'MPSTACK_SUMMARY_AT', value: summary.at });
    if (summary.timeZone !== undefined) env.push({ name: 'MPSTACK_SUMMARY_TIMEZONE', value: summary.timeZone });
  }
  if (logs.retentionMonths !== undefined) {
    env.push({ name: 'MPSTACK_LOG_RETENTION_MONTHS', value: String(logs.retentionMonths) });
  }
  if (logs.filesClaimName !== undefined) env.push({ name: 'MPSTACK_LOG_FILES_DIR', value: LOG_FILES_DIR });
  return env;
}

/** The console's public URL, as WeChat's callbacks reach the Ingress: `https://` when it has TLS. */
export function consoleUrlOf(platform: WeChatPlatform): string {
  const { host, tls } = platform.spec.ingress;
  return `${tls === undefined ? 'http' : 'https'}://${host}/admin/`;
}

/**
 * The business service's: the console's URL (the push e-mail links the failure report through
 * it, behind sign-in), and from `spec.outbound.mail` the push e-mail (the SMTP URL from its
 * Secret, never inlined: it may carry a password).
 */
function businessEnv(platform: WeChatPlatform): V1EnvVar[] {
  const env: V1EnvVar[] = [{ name: 'MPSTACK_CONSOLE_URL', value: consoleUrlOf(platform) }];
  const mail = platform.spec.outbound?.mail;
  if (mail !== undefined) {
    env.push({ name: 'MPSTACK_SMTP_URL', valueFrom: { secretKeyRef: { ...mail.smtpUrlSecret } } });
    env.push({ name: 'MPSTACK_OPERATOR_EMAIL', value: mail.to });
    if (mail.from !== undefined) env.push({ name: 'MPSTACK_MAIL_FROM', value: mail.from });
  }
  return env;
}

/**
 * The console's: the log service's query API and the business service's API through their
 * ClusterIP Services (port 80), and the
 * peers whose X-Forwarded-For it believes — the Ingress controller reaches the pods over the
 * pod network, whose addresses are private (`uniquelocal`: 10/8, 172.16/12, 192.168/16,
 * fc00::/7). A cluster with public pod addresses, or one that wants only the controller's
 * CIDR, sets `MPSTACK_TRUSTED_PROXIES` in `spec.services.admin.env`.
 */
function adminEnv(platform: WeChatPlatform): V1EnvVar[] {
  return [
    { name: 'MPSTACK_LOG_URL', value: `http://${serviceObjectName(platform, 'log')}` },
    { name: 'MPSTACK_BUSINESS_URL', value: `http://${serviceObjectName(platform, 'business')}` },
    { name: 'MPSTACK_TRUSTED_PROXIES', value: 'uniquelocal' },
  ];
}
