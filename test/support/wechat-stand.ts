import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { MemoryCoordination, MemoryCoordinationStore, RedisCoordination } from '@mpstack/common/adapters';
import type { CoordinationPort } from '@mpstack/common/ports';
import type { WeChatApiConfig } from '@mpstack/common/wechat-api';
import { type RunningSimulator, type SimAccount, type SimLimits, startSimulator } from '@mpstack/simulators';
import { deleteKeys, REDIS_URL, uniqueName } from '@mpstack/testkit';

/** A tiny HTTP server on a free port; `handler` answers every request. */
export interface Listening {
  readonly url: string;
  readonly server: Server;
  close(): Promise<void>;
}

export async function listen(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<Listening> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export const templateId = 'tmpl-bill-reminder';

/** The account the client tests use (its secret is what the loader hands the client). */
export function standAccount(): SimAccount {
  const id = uniqueName('wx');
  return {
    id,
    appId: `wx${id.replace(/[^a-z0-9]/gi, '').slice(-16)}`,
    appSecret: 'secret-0123456789abcdef0123456789ab',
    token: 'callbacktoken',
    mode: 'plain',
    templateIds: [templateId],
    users: [{ openid: 'o-follower-1' }, { openid: 'o-follower-2' }, { openid: 'o-follower-3' }],
  };
}

/**
 * The WeChat simulator (in process, on a free port) with a stand-in for the ingress that
 * answers every event push `success`, and a Redis key prefix for the client's coordination.
 */
export interface WeChatStand {
  readonly sim: RunningSimulator;
  readonly account: SimAccount;
  readonly keyPrefix: string;
  /** A new Redis coordination (one replica's connection) under the stand's prefix. */
  redis(): CoordinationPort;
  /** A memory coordination shared by every call (embedded mode). */
  memory(): CoordinationPort;
  /** Client configuration pointing at the simulator, with short waits. */
  config(overrides?: Partial<WeChatApiConfig>): Partial<WeChatApiConfig>;
  secrets: { appSecret(appId: string): Promise<string> };
  /** How many times a client read the secret: once per refresh it made as the writer. */
  secretReads(): number;
  /** Changes what the secret loader returns (an operator typing a wrong AppSecret). */
  setSecret(secret: string): void;
  /** Calls the simulator as another party would (its own HTTP request, not the client). */
  otherParty(path: string, body?: unknown): Promise<Record<string, unknown>>;
  close(): Promise<void>;
}

export async function startWeChatStand(limits: Partial<SimLimits> = {}): Promise<WeChatStand> {
  const ingress = await listen((_req, res) => res.end('success'));
  const account = standAccount();
  const sim = await startSimulator({ accounts: [account], port: 0, ingressBaseUrl: ingress.url, limits });
  const keyPrefix = `t:${uniqueName('wxapi')}:`;
  const opened: CoordinationPort[] = [];
  const store = new MemoryCoordinationStore();
  let secret = account.appSecret;
  let reads = 0;
  return {
    sim,
    account,
    keyPrefix,
    redis: () => {
      const port = new RedisCoordination({ url: REDIS_URL, keyPrefix });
      opened.push(port);
      return port;
    },
    memory: () => new MemoryCoordination({ store }),
    config: (overrides = {}) => ({
      bases: [sim.url],
      requestTimeoutMs: 5_000,
      hostCooldownMs: 30_000,
      ...overrides,
    }),
    secrets: {
      appSecret: async (appId: string) => {
        if (appId !== account.appId) throw new Error(`no account ${appId}`);
        reads += 1;
        return secret;
      },
    },
    secretReads: () => reads,
    setSecret: (value: string) => {
      secret = value;
    },
    otherParty: async (path: string, body?: unknown) => {
      const response = await fetch(`${sim.url}${path}`, {
        method: body === undefined ? 'GET' : 'POST',
        ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
      });
      return (await response.json()) as Record<string, unknown>;
    },
    close: async () => {
      secret = '';
      await Promise.allSettled(opened.map((port) => port.close()));
      await sim.close();
      await ingress.close();
      await deleteKeys(keyPrefix);
    },
  };
}
