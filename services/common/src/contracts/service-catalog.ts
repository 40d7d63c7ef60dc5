/**
 * Every service of mpstack as data: what `mpstack run <name>` can start and what the operator
 * needs to build its Deployment. Pure data (no imports), so the operator, the CLI and docs
 * read one list; a service's code lives in its own package and is found by name in the CLI's
 * run registry, which a test keeps equal to the runnable entries here.
 */

export type ServicePlacement =
  /** One Deployment per WeChatPlatform, created and scaled by the operator. */
  | 'platform'
  /** The operator itself; the Helm chart deploys it. */
  | 'control-plane'
  /** Development and tests only; never deployed. */
  | 'development';

export type ServiceKind =
  /** Serves requests on its port (besides health, readiness and metrics). */
  | 'http'
  /** Consumes queues; its port serves only health, readiness and metrics. */
  | 'worker';

export type ServiceBackend = 'database' | 'redis' | 'amqp';

export interface ServiceEntry {
  readonly name: string;
  readonly summary: string;
  /** Whether this build can run it (`mpstack run <name>`); the others arrive with their issues. */
  readonly runnable: boolean;
  readonly placement: ServicePlacement;
  readonly kind: ServiceKind;
  /** The variable that sets its listen port, and the port when it is not set. */
  readonly port: { readonly variable: string; readonly default: number };
  /** Liveness, readiness and Prometheus paths on that port. */
  readonly paths: { readonly health: string; readonly ready: string; readonly metrics: string };
  /** Path prefixes a platform's Ingress routes to it, most specific first. */
  readonly publicPaths: readonly string[];
  readonly backends: readonly ServiceBackend[];
  /**
   * The longest its shutdown may take after SIGTERM (stop intake, drain, close); a pod's
   * termination grace period must be longer.
   */
  readonly drainSeconds: number;
  /** Needs a writable `MPSTACK_DATA_DIR` that survives a container restart (the ingress's spool). */
  readonly dataDir: boolean;
}

const standardPaths = { health: '/healthz', ready: '/readyz', metrics: '/metrics' } as const;
const allBackends: readonly ServiceBackend[] = ['database', 'redis', 'amqp'];

function platformService(
  name: string,
  summary: string,
  port: number,
  extra: Partial<Pick<ServiceEntry, 'runnable' | 'kind' | 'publicPaths' | 'drainSeconds' | 'dataDir'>> = {},
): ServiceEntry {
  return {
    name,
    summary,
    runnable: false,
    placement: 'platform',
    kind: 'http',
    port: { variable: portVariableOf(name), default: port },
    paths: standardPaths,
    publicPaths: [],
    backends: allBackends,
    drainSeconds: 10,
    dataDir: false,
    ...extra,
  };
}

/** `MPSTACK_<NAME>_PORT`, the name upper-cased with `-` as `_`. */
export function portVariableOf(name: string): string {
  return `MPSTACK_${name.toUpperCase().replaceAll('-', '_')}_PORT`;
}

export const serviceCatalog: readonly ServiceEntry[] = [
  platformService('ingress', 'the WeChat webhook: verify, decrypt, de-duplicate, fast path, slow-path queues', 8080, {
    runnable: true,
    publicPaths: ['/wx'],
    // Enough to forward what the disk spool holds once the broker answers again.
    drainSeconds: 20,
    dataDir: true,
  }),
  platformService('oauth', 'web authorization, shared sessions, JS-SDK signatures', 8082, { publicPaths: ['/oauth'] }),
  platformService(
    'business',
    'the outbound WeChat sender (template sends, pushes, mass sends, receipts); carrier queries later',
    8083,
    {
      runnable: true,
      // A batch of sends in flight finishes and is recorded; unacked tickets go back to the queue.
      drainSeconds: 15,
    },
  ),
  platformService('business-worker', 'slow-path consumers (business requests from the inbound queues)', 8084, {
    kind: 'worker',
  }),
  platformService('activity', 'campaign pages and red packets', 8085, { publicPaths: ['/activity'] }),
  platformService('admin', 'operator console: API (/admin/api) and web UI (/admin/)', 8086, {
    runnable: true,
    publicPaths: ['/admin', '/'],
  }),
  platformService('log', 'consumes log events into the message and interface logs; their query API and rollups', 8087, {
    runnable: true,
    // The waiting deliveries go back to the queue; the write in progress finishes.
    drainSeconds: 15,
  }),
  {
    name: 'operator',
    summary: 'the Kubernetes operator of WeChatPlatform resources',
    runnable: true,
    placement: 'control-plane',
    kind: 'worker',
    port: { variable: portVariableOf('operator'), default: 8081 },
    paths: standardPaths,
    publicPaths: [],
    backends: [],
    drainSeconds: 10,
    dataDir: false,
  },
  {
    name: 'simulators',
    summary: 'the WeChat API and message sender simulator with the phone page',
    runnable: true,
    placement: 'development',
    kind: 'http',
    port: { variable: portVariableOf('simulators'), default: 9090 },
    paths: standardPaths,
    publicPaths: [],
    backends: [],
    drainSeconds: 5,
    dataDir: false,
  },
];

/** The catalog entry of `name`, or undefined. */
export function serviceEntry(name: string): ServiceEntry | undefined {
  return serviceCatalog.find((entry) => entry.name === name);
}

/** The services the operator deploys per platform that this build can run. */
export function deployableServices(): readonly ServiceEntry[] {
  return serviceCatalog.filter((entry) => entry.placement === 'platform' && entry.runnable);
}
