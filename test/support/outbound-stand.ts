import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { loadBusinessConfig, type RunningBusiness, startBusiness } from '@mpstack/business';
import { createDatabase, nowTimestamp } from '@mpstack/common/db';
import { type RunningSimulator, type SimLimits, startSimulator } from '@mpstack/simulators';
import { REDIS_URL, until } from '@mpstack/testkit';
import { createStack, type Stack } from './stack.js';

const cliBin = fileURLToPath(new URL('../../../services/cli/bin/mpstack.js', import.meta.url));

/** The AppSecret of the stack's account (its seed), which the simulator must know too. */
export const appSecret = 'not-used-by-the-ingress';
export const pushTemplate = 'TPL_PUSH_NOTICE';

export interface OutboundStandOptions {
  /** Followers `oFollower…` (0-based), all subscribed. */
  readonly followers: number;
  /** Followers who block the account's template messages (their receipt says `failed:user block`). */
  readonly blocking?: readonly number[];
  /** Openids WeChat knows that do not follow (43004). */
  readonly unfollowed?: readonly string[];
  /** The broker of the ingress and the business service (a test-owned node); the stack's vhost by default. */
  readonly amqpUrl?: string;
  /** The Redis of the ingress and the business service (a test-owned server); the machine's by default. */
  readonly redisUrl?: string;
  /**
   * Runs the ingress as `mpstack run ingress` (a child process, its CPU measurable apart from
   * the simulator's) instead of in this process.
   */
  readonly ingressProcess?: boolean;
  /** The simulator's limits (WeChat's defaults otherwise: 100,000 template sends a day). */
  readonly limits?: Partial<SimLimits>;
  /**
   * A second account, `shop2` (plain mode), with the same followers and template, in the
   * database before the ingress starts and at the simulator: two accounts on one deployment.
   */
  readonly secondAccount?: boolean;
  /** The simulator's delivery receipts in flight at once (its default, 32, otherwise). */
  readonly deliveryConcurrency?: number;
}

/** The id of {@link OutboundStandOptions.secondAccount}'s account. */
export const secondAccountId = 'shop2';

/** What a test may set of an in-process business service besides its environment. */
export interface BusinessOptions {
  /** The service's clock (a test moves it past a back-off instead of waiting). */
  readonly clock?: () => number;
  /** false: the API alone — no consumers (receipts wait in their queue), no scheduler. */
  readonly workers?: boolean;
}

/**
 * One e2e stand of the outbound pipeline: the stack's MariaDB database, RabbitMQ vhost and
 * Redis prefix, the WeChat simulator (two hosts) knowing the account, its followers and a
 * template, an ingress that takes the simulator's TEMPLATESENDJOBFINISH pushes, and the
 * business service — in this process or as `mpstack run business` child processes (which a
 * test can SIGKILL).
 */
export interface OutboundStand {
  readonly stack: Stack;
  readonly simulator: RunningSimulator;
  readonly account: string;
  openId(n: number): string;
  /** The environment of `mpstack run business` for this stand. */
  businessEnv(extra?: Record<string, string>): Record<string, string>;
  /** The business service in this process; `options` sets its clock or runs it without workers. */
  business(extra?: Record<string, string>, options?: BusinessOptions): Promise<RunningBusiness>;
  /** `mpstack run business` as a child process; resolves once it answers /readyz. */
  businessProcess(extra?: Record<string, string>): Promise<{ url: string; child: ChildProcess }>;
  /** The ingress's process when it runs as a child ({@link OutboundStandOptions.ingressProcess}). */
  readonly ingressChild: ChildProcess | undefined;
  /** The ingress the simulator pushes its job-finish events to. */
  readonly ingressUrl: string;
  /** Template sends the simulator accepted, per openid (what WeChat really sent). */
  sendsPerOpenId(): Promise<Map<string, number>>;
  /**
   * A call to the simulator's `/_sim` controls, through the api2 listener (taking the api
   * host down closes the api listener's connections).
   */
  control(method: string, path: string, body?: unknown): Promise<unknown>;
  /** A WeChat API call as the account (`/cgi-bin/<path>`, with a stable_token), as a tool outside mpstack would make it. */
  wechat<T = Record<string, unknown>>(path: string, body: unknown): Promise<T>;
  dispose(): Promise<void>;
}

export function followerId(n: number): string {
  return `oFollower${String(n).padStart(19, '0')}`;
}

export async function createOutboundStand(options: OutboundStandOptions): Promise<OutboundStand> {
  const stack = await createStack();
  const blocking = new Set(options.blocking ?? []);
  const users = [
    ...Array.from({ length: options.followers }, (_, n) => ({
      openid: followerId(n),
      isSubscribed: true,
      ...(blocking.has(n) ? { isBlocking: true } : {}),
    })),
    ...(options.unfollowed ?? []).map((openid) => ({ openid, isSubscribed: false })),
  ];
  const children = new Set<ChildProcess>();
  /**
   * `mpstack run <service>` on a port of its own; resolves once it answers /readyz. Ports are
   * drawn below the kernel's ephemeral range (32768–60999), where no outgoing connection takes
   * one; a child that exits before it is ready (another test's server took the port) is started
   * again on another port instead of being waited for until the deadline.
   */
  const spawnService = async (service: string, envFor: (port: number) => Record<string, string>) => {
    for (let attempt = 1; ; attempt += 1) {
      const port = 20_000 + Math.floor(Math.random() * 12_000);
      const started = await spawnOnce(service, envFor(port), port);
      if (started !== undefined) return started;
      if (attempt === 3) throw new Error(`mpstack run ${service} exited before it was ready, 3 times`);
    }
  };
  const spawnOnce = async (service: string, env: Record<string, string>, port: number) => {
    // OUTBOUND_PROFILE=<dir>: the child writes a V8 CPU profile there when it exits (benchmarks).
    const profile = process.env['OUTBOUND_PROFILE'];
    const nodeArgs = profile === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${profile}`];
    const child = spawn(process.execPath, [...nodeArgs, cliBin, 'run', service], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    children.add(child);
    child.on('exit', () => children.delete(child));
    const url = `http://127.0.0.1:${port}`;
    const outcome = await until(
      async () => {
        if (child.exitCode !== null || child.signalCode !== null) return 'exited';
        return (await fetch(`${url}/readyz`).catch(() => undefined))?.ok === true ? 'ready' : undefined;
      },
      60_000,
      `mpstack run ${service} ready`,
      100,
    );
    return outcome === 'ready' ? { url, child } : undefined;
  };
  const second = options.secondAccount === true ? await addSecondAccount(stack) : undefined;
  // Takes the simulator's job-finish pushes to mpstack.receipts (the database is migrated and seeded).
  const servers = {
    ...(options.amqpUrl === undefined ? {} : { amqpUrl: options.amqpUrl }),
    ...(options.redisUrl === undefined ? {} : { redisUrl: options.redisUrl }),
  };
  let ingress: { readonly url: string; close(): Promise<void> };
  let ingressChild: ChildProcess | undefined;
  if (options.ingressProcess === true) {
    const spawned = await spawnService('ingress', (port) => ({
      ...stack.replicaEnv(servers),
      MPSTACK_INGRESS_PORT: String(port),
    }));
    ingressChild = spawned.child;
    ingress = { url: spawned.url, close: () => stopChild(spawned.child) };
  } else {
    ingress = await stack.replica(servers);
  }
  const simulator = await startSimulator({
    port: 0,
    api2Port: 0,
    ingressBaseUrl: ingress.url,
    ...(options.deliveryConcurrency === undefined ? {} : { deliveryConcurrency: options.deliveryConcurrency }),
    ...(options.limits === undefined ? {} : { limits: options.limits }),
    accounts: [
      {
        id: stack.account.id,
        appId: stack.account.appId,
        appSecret,
        token: stack.account.token,
        encodingAesKey: stack.account.encodingAesKey,
        mode: 'safe',
        originalId: stack.account.originalId,
        templateIds: [pushTemplate],
        users,
      },
      ...(second === undefined
        ? []
        : [{ ...second, appSecret, mode: 'plain' as const, templateIds: [pushTemplate], users }]),
    ],
  });
  const running: RunningBusiness[] = [];
  const businessEnv = (extra: Record<string, string> = {}): Record<string, string> => ({
    MPSTACK_DATABASE_URL: stack.databaseUrl,
    MPSTACK_REDIS_URL: options.redisUrl ?? REDIS_URL,
    MPSTACK_AMQP_URL: options.amqpUrl ?? stack.amqpUrl,
    MPSTACK_KEY_PREFIX: stack.keyPrefix,
    MPSTACK_DATA_DIR: stack.dir,
    MPSTACK_BUSINESS_PORT: '0',
    MPSTACK_LOG_LEVEL: 'silent',
    MPSTACK_WECHAT_API_BASES: [simulator.hosts.api, simulator.hosts.api2].join(','),
    MPSTACK_WECHAT_HOST_COOLDOWN_SECONDS: '1',
    MPSTACK_BUSINESS_TICK_MS: '200',
    ...extra,
  });
  return {
    stack,
    simulator,
    account: stack.account.id,
    openId: followerId,
    businessEnv,
    async business(extra, businessOptions = {}) {
      const business = await startBusiness({ config: loadBusinessConfig(businessEnv(extra)), ...businessOptions });
      running.push(business);
      return business;
    },
    async businessProcess(extra) {
      return spawnService('business', (port) => businessEnv({ MPSTACK_BUSINESS_PORT: String(port), ...extra }));
    },
    ingressChild,
    ingressUrl: ingress.url,
    async sendsPerOpenId() {
      const response = await fetch(
        `${simulator.hosts.api2}/_sim/accounts/${stack.account.id}/template-sends/per-openid`,
      );
      const { perOpenid } = (await response.json()) as { perOpenid: Record<string, number> };
      return new Map(Object.entries(perOpenid));
    },
    async control(method, path, body) {
      const response = await fetch(`${simulator.hosts.api2}${path}`, {
        method,
        ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
      });
      const text = await response.text();
      if (!response.ok) throw new Error(`${method} ${path} → ${response.status}: ${text}`);
      return text === '' ? undefined : (JSON.parse(text) as unknown);
    },
    async wechat<T>(path: string, body: unknown): Promise<T> {
      const post = async (url: string, json: unknown) =>
        (await (
          await fetch(url, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify(json),
          })
        ).json()) as Record<string, unknown>;
      const { access_token: token } = await post(`${simulator.hosts.api2}/cgi-bin/stable_token`, {
        grant_type: 'client_credential',
        appid: stack.account.appId,
        secret: appSecret,
      });
      const answer = await post(`${simulator.hosts.api2}/cgi-bin/${path}?access_token=${String(token)}`, body);
      if (typeof answer['errcode'] === 'number' && answer['errcode'] !== 0) {
        throw new Error(`${path} → ${JSON.stringify(answer)}`);
      }
      return answer as T;
    },
    async dispose() {
      for (const child of children) if (child !== ingressChild) child.kill('SIGKILL');
      await Promise.allSettled(running.map((b) => b.close()));
      await simulator.close();
      await ingress.close();
      await stack.dispose();
    },
  };
}

/** SIGTERM, then SIGKILL if it has not exited within 10 s (a clean exit writes a requested CPU profile). */
async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

/** Inserts `shop2` as the console would have created it (before any replica reads the accounts). */
async function addSecondAccount(stack: Stack) {
  const account = {
    id: secondAccountId,
    originalId: 'gh_shop2',
    appId: `wx${randomBytes(8).toString('hex')}`,
    token: `tok${randomBytes(8).toString('hex')}`,
  };
  const db = createDatabase({ url: stack.databaseUrl });
  try {
    const stamp = nowTimestamp(new Date());
    await db
      .insertInto('accounts')
      .values({
        id: account.id,
        name: 'E2E shop 2',
        app_id: account.appId,
        app_secret: appSecret,
        token: account.token,
        encoding_aes_key: null,
        previous_encoding_aes_key: null,
        encrypt_mode: 'plain',
        created_at: stamp,
        updated_at: stamp,
      })
      .execute();
  } finally {
    await db.destroy();
  }
  return account;
}
