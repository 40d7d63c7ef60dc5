import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { invalidationChannels } from '@mpstack/common/contracts';
import { createLogger } from '@mpstack/common/logging';
import { type Infrastructure, openInfrastructure } from '@mpstack/common/runtime';
import type { RunningService } from '@mpstack/common/shell';
import { deleteKeys, REDIS_URL, uniqueName } from '@mpstack/testkit';
import { createAccountsRepository } from '../../src/accounts/accounts.repository.js';
import { loadAdminConfig } from '../../src/config.js';
import { startAdmin } from '../../src/main.js';
import { hashPassword } from '../../src/users/password.js';
import { createUsersRepository } from '../../src/users/users.repository.js';
import { type Dialect, openTestDb, type TestDb } from './databases.js';

export type Json = {
  error?: { code: string; message: string; problems?: string[] };
  csrfToken?: string;
  items?: Record<string, unknown>[];
} & Record<string, unknown>;

export const aesKey = (): string => randomBytes(32).toString('base64').slice(0, 43);
export const appId = (): string => `wx${randomBytes(8).toString('hex')}`;
const password = 'correct horse battery';

/**
 * The admin service on one dialect (SQLite with in-process coordination, or the real MariaDB
 * with the real Redis) as the `/admin/api/accounts` tests use it: `root` (super-admin), `vera`
 * (viewer) and `otto` (operator) signed in, the accounts and rules channels heard, and a
 * request helper that keeps a CSV's bytes as sent.
 */
export class AccountsApi {
  /** Account ids announced on the accounts channel, and on the rules channel. */
  readonly announced: string[] = [];
  readonly announcedRules: string[] = [];
  #test: TestDb | undefined;
  #infrastructure: Infrastructure | undefined;
  #admin: RunningService | undefined;
  #keyPrefix = '';
  readonly #sessions: Record<string, { cookie: string; csrf: string }> = {};

  /** `name`: the Redis key prefix's stem. */
  constructor(
    private readonly dialect: Dialect,
    private readonly name: string,
  ) {}

  get infrastructure(): Infrastructure {
    if (this.#infrastructure === undefined) throw new Error('accounts API not started');
    return this.#infrastructure;
  }

  private get url(): string {
    if (this.#admin === undefined) throw new Error('accounts API not started');
    return this.#admin.url;
  }

  async start(): Promise<void> {
    const test = await openTestDb(this.dialect);
    this.#test = test;
    this.#keyPrefix = `${uniqueName(this.name)}:`;
    const config = loadAdminConfig({
      MPSTACK_DATA_DIR: test.dataDir,
      MPSTACK_ADMIN_PORT: '0',
      MPSTACK_LOG_LEVEL: 'silent',
      MPSTACK_KEY_PREFIX: this.#keyPrefix,
      ...(test.url === undefined ? {} : { MPSTACK_DATABASE_URL: test.url, MPSTACK_REDIS_URL: REDIS_URL }),
    });
    const infrastructure = await openInfrastructure(
      { service: 'admin-test', ...config, migrate: true },
      createLogger({ service: 't', level: 'silent' }),
    );
    this.#infrastructure = infrastructure;
    await infrastructure.coordination.subscribe(invalidationChannels.accounts, (id) => this.announced.push(id));
    await infrastructure.coordination.subscribe(invalidationChannels.rules, (id) => this.announcedRules.push(id));
    const users = createUsersRepository(infrastructure.db);
    for (const [username, role] of [
      ['root', 'super-admin'],
      ['vera', 'viewer'],
      ['otto', 'operator'],
    ] as const) {
      await users.create({ username, displayName: username, role, passwordHash: await hashPassword(password) });
    }
    this.#admin = await startAdmin({ config, infrastructure });
    for (const username of ['root', 'vera', 'otto']) {
      const response = await fetch(`${this.url}/admin/api/session`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', origin: this.url },
        body: JSON.stringify({ username, password }),
      });
      assert.equal(response.status, 200);
      const body = (await response.json()) as Json;
      this.#sessions[username] = {
        cookie: response.headers.get('set-cookie')?.split(';')[0] ?? '',
        csrf: body.csrfToken ?? '',
      };
    }
  }

  async close(): Promise<void> {
    await this.#admin?.close();
    await this.#infrastructure?.close();
    await this.#test?.cleanup();
    if (this.dialect === 'MariaDB') await deleteKeys(this.#keyPrefix);
  }

  /** A request as `who` (a signed-in user, with its CSRF token), or anonymous. */
  readonly call = async (method: string, path: string, who?: string, body?: unknown) => {
    const session = who === undefined ? undefined : this.#sessions[who];
    const response = await fetch(`${this.url}/admin/api${path}`, {
      method,
      headers: {
        'content-type': 'application/json',
        origin: this.url,
        ...(session === undefined ? {} : { cookie: session.cookie, 'x-csrf-token': session.csrf }),
      },
      ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    });
    // The bytes as sent (a CSV's BOM kept: fetch's text() would drop it).
    const text = Buffer.from(await response.arrayBuffer()).toString('utf8');
    const type = response.headers.get('content-type') ?? '';
    const json = text !== '' && !type.startsWith('text/csv');
    return { status: response.status, text, type, body: (json ? JSON.parse(text) : {}) as Json };
  };

  readonly stored = (id: string) => createAccountsRepository(this.infrastructure.db).find(id);

  /** A new account's input (a unique id and AppID, a safe-mode key), `extra` on top. */
  readonly newAccount = (extra: Record<string, unknown> = {}) => ({
    id: uniqueName('shop').replace(/[^a-z0-9-]/g, ''),
    name: '演示号 🧧',
    appId: appId(),
    appSecret: 'A1b2C3d4E5f6A1b2C3d4E5f6A1b2C3d4',
    token: `tok${randomBytes(6).toString('hex')}`,
    encodingAesKey: aesKey(),
    mode: 'safe',
    ...extra,
  });

  /** Creates an account as `root` (201 asserted); its input. */
  readonly create = async (extra: Record<string, unknown> = {}) => {
    const input = this.newAccount(extra);
    const created = await this.call('POST', '/accounts', 'root', input);
    assert.equal(created.status, 201, created.text);
    return input;
  };
}
