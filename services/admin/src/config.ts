import { isIP } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  checkRedisTopology,
  commonConfigOf,
  commonEnvSchema,
  type Environment,
  intFromEnv,
  loadConfig,
  type RedisTopology,
} from '@mpstack/common/config';
import { z } from 'zod';
import { csvExportMaxRows } from './api-types.js';

/** `services/admin/web/dist`, found from this file (dist/src/config.js) so any working directory works. */
const defaultWebDir = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'web', 'dist');

const originList = z
  .string()
  .trim()
  .transform((value, context) => {
    if (value === '') return [] as string[];
    const origins: string[] = [];
    for (const entry of value.split(',').map((part) => part.trim())) {
      try {
        const url = new URL(entry);
        if (url.origin !== entry.replace(/\/$/, '')) throw new Error('not an origin');
        origins.push(url.origin);
      } catch {
        context.addIssue({ code: 'custom', message: `"${entry}" is not an origin (scheme://host[:port])` });
      }
    }
    return origins;
  })
  .default([]);

/** proxy-addr's names for address ranges (express's `trust proxy`). */
const proxyRangeNames = new Set(['loopback', 'linklocal', 'uniquelocal']);

/**
 * `MPSTACK_TRUSTED_PROXIES`: the peers whose X-Forwarded-For / -Proto express believes —
 * comma-separated addresses, CIDRs (`10.0.0.0/8`, `fd00::/8`) or the names `loopback`,
 * `linklocal`, `uniquelocal` (the private ranges); `none` (or empty) trusts no one.
 */
const proxyList = z
  .string()
  .trim()
  .transform((value, context) => {
    if (value === '' || value === 'none') return [] as string[];
    const entries = value.split(',').map((part) => part.trim());
    for (const entry of entries) {
      if (!isProxyEntry(entry)) {
        context.addIssue({
          code: 'custom',
          message: `"${entry}" is not an address, a CIDR or loopback|linklocal|uniquelocal`,
        });
      }
    }
    return entries;
  });

function isProxyEntry(entry: string): boolean {
  if (proxyRangeNames.has(entry)) return true;
  const [address = '', prefix, ...rest] = entry.split('/');
  const family = isIP(address);
  if (family === 0 || rest.length > 0) return false;
  if (prefix === undefined) return true;
  return /^\d{1,3}$/.test(prefix) && Number(prefix) <= (family === 4 ? 32 : 128);
}

const adminEnvSchema = commonEnvSchema
  .extend({
    MPSTACK_ADMIN_PORT: intFromEnv(8086, 0, 65535),
    /** The log service's query API (issue 10 contract). */
    MPSTACK_LOG_URL: z.url().default('http://127.0.0.1:8087'),
    /** Connecting to the log service and waiting for its answer's headers (ms); past it: 503 `unavailable`. */
    MPSTACK_ADMIN_LOG_TIMEOUT_MS: intFromEnv(10_000, 100, 120_000),
    /** The business service's API (issue 11: sends, pushes, mass sends), passed through under `/outbound`. */
    MPSTACK_BUSINESS_URL: z.url().default('http://127.0.0.1:8083'),
    /** Connecting to the business service and waiting for its answer's headers (ms); past it: 503 `unavailable`. */
    MPSTACK_ADMIN_BUSINESS_TIMEOUT_MS: intFromEnv(10_000, 100, 120_000),
    /** The most rows one CSV export writes (past it the file ends with a row saying so). */
    MPSTACK_ADMIN_CSV_MAX_ROWS: intFromEnv(csvExportMaxRows, 1, 10_000_000),
    /** The UI build served under `/admin/`. */
    MPSTACK_ADMIN_WEB_DIR: z.string().default(defaultWebDir),
    /**
     * Origins allowed to send state-changing requests besides the request's own host
     * (a console behind a proxy that rewrites Host); comma-separated.
     */
    MPSTACK_ADMIN_ALLOWED_ORIGINS: originList,
    /**
     * Peers trusted to say who the client is (X-Forwarded-For): the platform's Ingress
     * controller. Only through them does the per-IP lockout and the audit trail see the
     * client's address; anyone else's header is ignored. The default trusts the same machine.
     */
    MPSTACK_TRUSTED_PROXIES: proxyList.default(['loopback']),
    /** A session unused this long ends. */
    MPSTACK_ADMIN_SESSION_IDLE_MINUTES: intFromEnv(30, 1, 24 * 60),
    /** A session ends this long after sign-in however busy it is. */
    MPSTACK_ADMIN_SESSION_ABSOLUTE_HOURS: intFromEnv(12, 1, 24 * 30),
    /** Largest JSON body accepted (bytes). */
    MPSTACK_ADMIN_MAX_BODY_BYTES: intFromEnv(64 * 1024, 1024, 1024 * 1024),
    /** Access events held while the broker is unreachable; beyond, the oldest are dropped (and counted). */
    MPSTACK_ADMIN_ACCESS_BUFFER: intFromEnv(10_000, 1, 1_000_000),
  })
  .superRefine(checkRedisTopology);

export interface AdminConfig {
  readonly port: number;
  readonly host: string;
  readonly databaseUrl: string | undefined;
  readonly redisUrl: string | undefined;
  readonly redis: RedisTopology | undefined;
  readonly amqpUrl: string | undefined;
  readonly dataDir: string;
  readonly logLevel: string;
  readonly keyPrefix: string;
  readonly logUrl: string;
  readonly logTimeoutMs: number;
  readonly businessUrl: string;
  readonly businessTimeoutMs: number;
  readonly csvMaxRows: number;
  readonly webDir: string;
  readonly allowedOrigins: readonly string[];
  /** Addresses, CIDRs or proxy-addr range names; empty: X-Forwarded-For is never believed. */
  readonly trustedProxies: readonly string[];
  readonly sessionIdleMs: number;
  readonly sessionAbsoluteMs: number;
  readonly maxBodyBytes: number;
  /** Access events held while the broker is unreachable. */
  readonly accessBuffer: number;
}

/** The only place the admin service reads the environment. */
export function loadAdminConfig(env: Environment): AdminConfig {
  const e = loadConfig(adminEnvSchema, env);
  return Object.freeze({
    port: e.MPSTACK_ADMIN_PORT,
    ...commonConfigOf(e),
    logUrl: e.MPSTACK_LOG_URL.replace(/\/$/, ''),
    logTimeoutMs: e.MPSTACK_ADMIN_LOG_TIMEOUT_MS,
    businessUrl: e.MPSTACK_BUSINESS_URL.replace(/\/$/, ''),
    businessTimeoutMs: e.MPSTACK_ADMIN_BUSINESS_TIMEOUT_MS,
    csvMaxRows: e.MPSTACK_ADMIN_CSV_MAX_ROWS,
    webDir: e.MPSTACK_ADMIN_WEB_DIR,
    allowedOrigins: e.MPSTACK_ADMIN_ALLOWED_ORIGINS,
    trustedProxies: e.MPSTACK_TRUSTED_PROXIES,
    sessionIdleMs: e.MPSTACK_ADMIN_SESSION_IDLE_MINUTES * 60_000,
    sessionAbsoluteMs: e.MPSTACK_ADMIN_SESSION_ABSOLUTE_HOURS * 3_600_000,
    maxBodyBytes: e.MPSTACK_ADMIN_MAX_BODY_BYTES,
    accessBuffer: e.MPSTACK_ADMIN_ACCESS_BUFFER,
  });
}
