import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { migrate } from '@mpstack/cli';
import { type FastPathPlugin, loadIngressConfig, type RunningIngress, startIngress } from '@mpstack/ingress';
import type { SenderAccount } from '@mpstack/simulators';
import { createVhost, deleteKeys, deleteVhost, REDIS_URL, uniqueName } from '@mpstack/testkit';
import { createTestDatabase, dropTestDatabase } from './mariadb.js';

export const partitions = 4;
export const keyword = { text: '价格', reply: '价格表 💰 😀𠮷' } as const;
export const welcome = '欢迎关注 🎉';

/** The seeded safe-mode account, as the simulator (WeChat) knows it. */
export interface StackAccount extends SenderAccount {
  readonly id: string;
  readonly originalId: string;
  readonly encodingAesKey: string;
}

export interface ReplicaOptions {
  readonly plugins?: readonly FastPathPlugin[];
  /** Broker URL for this replica (e.g. through a TcpProxy); the stack's vhost by default. */
  readonly amqpUrl?: string;
  /** Database URL for this replica (e.g. through a TcpProxy); the stack's database by default. */
  readonly databaseUrl?: string;
  /** Redis URL for this replica (e.g. through a TcpProxy); the machine's Redis by default. */
  readonly redisUrl?: string;
  /** Data directory (the spool lives in `<dataDir>/spool`); a fresh one by default. */
  readonly dataDir?: string;
}

/**
 * Everything one e2e test file needs, unique to it: a MariaDB database (migrated and seeded
 * by the ingress at start-up), a RabbitMQ vhost, a Redis key prefix and a temp directory.
 * `replica()` starts an ingress through `startIngress` (the production composition).
 */
export interface Stack {
  readonly account: StackAccount;
  readonly amqpUrl: string;
  readonly vhost: string;
  readonly databaseUrl: string;
  readonly dir: string;
  /** The environment of a replica, as `mpstack run ingress` reads it (for replicas run as processes). */
  replicaEnv(options?: Omit<ReplicaOptions, 'plugins'>): Record<string, string>;
  replica(options?: ReplicaOptions): Promise<RunningIngress>;
  /** The key prefix every replica uses in Redis. */
  readonly keyPrefix: string;
  dispose(): Promise<void>;
}

export async function createStack(): Promise<Stack> {
  const name = uniqueName('mpstack_e2e').replace('-', '_');
  const vhost = name;
  const keyPrefix = `${name}:`;
  const dir = await mkdtemp(join(tmpdir(), 'mpstack-e2e-'));
  const account: StackAccount = {
    id: 'shop',
    originalId: 'gh_shop',
    appId: `wx${randomBytes(8).toString('hex')}`,
    token: `tok${randomBytes(8).toString('hex')}`,
    encodingAesKey: randomBytes(32).toString('base64').slice(0, 43),
    mode: 'safe',
  };
  const seedFile = join(dir, 'seed.json');
  await writeFile(seedFile, JSON.stringify(seedOf(account)));
  const databaseUrl = await createTestDatabase(name);
  // What `mpstack migrate --seed` does (the ingress never seeds; `mpstack run` does before it starts).
  await migrate({ MPSTACK_DATABASE_URL: databaseUrl, MPSTACK_DATA_DIR: dir }, seedFile);
  const amqpUrl = await createVhost(vhost);
  const replicas: RunningIngress[] = [];
  const replicaEnv = (options: Omit<ReplicaOptions, 'plugins'> = {}): Record<string, string> => ({
    MPSTACK_DATABASE_URL: options.databaseUrl ?? databaseUrl,
    MPSTACK_REDIS_URL: options.redisUrl ?? REDIS_URL,
    MPSTACK_AMQP_URL: options.amqpUrl ?? amqpUrl,
    MPSTACK_KEY_PREFIX: keyPrefix,
    MPSTACK_DATA_DIR: options.dataDir ?? join(dir, uniqueName('replica')),
    MPSTACK_INGRESS_PORT: '0',
    MPSTACK_LOG_LEVEL: 'silent',
    MPSTACK_INBOUND_PARTITIONS: String(partitions),
  });
  return {
    account,
    amqpUrl,
    vhost,
    databaseUrl,
    dir,
    keyPrefix,
    replicaEnv,
    async replica(options = {}) {
      const config = loadIngressConfig(replicaEnv(options));
      const running = await startIngress({
        config,
        ...(options.plugins === undefined ? {} : { plugins: options.plugins }),
      });
      replicas.push(running);
      return running;
    },
    async dispose() {
      await Promise.allSettled(replicas.map((r) => r.close()));
      await Promise.allSettled([dropTestDatabase(name), deleteVhost(vhost), deleteKeys(keyPrefix)]);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

function seedOf(account: StackAccount) {
  return {
    accounts: [
      {
        id: account.id,
        name: 'E2E shop',
        appId: account.appId,
        appSecret: 'not-used-by-the-ingress',
        token: account.token,
        encodingAesKey: account.encodingAesKey,
        encryptMode: 'safe',
        rules: [
          { kind: 'keyword', keyword: keyword.text, reply: { type: 'text', content: keyword.reply } },
          { kind: 'subscribe', reply: { type: 'text', content: welcome } },
        ],
      },
    ],
  };
}
