import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Environment } from '@mpstack/common/config';
import type { Db } from '@mpstack/common/db';
import { createLogger } from '@mpstack/common/logging';
import { type Infrastructure, openInfrastructure } from '@mpstack/common/runtime';
import type { RunningService } from '@mpstack/common/shell';
import { createTestDatabase, deleteKeys, REDIS_URL, type TestDatabase, uniqueName } from '@mpstack/testkit';
import type { Express } from 'express';
import type { Role } from '../../src/api-types.js';
import { type AdminConfig, loadAdminConfig } from '../../src/config.js';
import { type AdminServiceOptions, startAdmin } from '../../src/main.js';
import { hashPassword } from '../../src/users/password.js';
import { createUsersRepository } from '../../src/users/users.repository.js';

/** The password every seeded user has. */
export const seedPassword = 'correct horse battery';

export interface ApiCall {
  readonly body?: unknown;
  /** Sent as is (malformed JSON, an oversized body). */
  readonly rawBody?: string;
  readonly cookie?: string;
  readonly csrf?: string;
  /** The Origin header; the service's own origin when absent, none when null. */
  readonly origin?: string | null;
  /** An X-Forwarded-For header. */
  readonly forwardedFor?: string;
  /** The Content-Type; JSON when absent. */
  readonly contentType?: string;
}

export interface ApiAnswer {
  readonly status: number;
  readonly text: string;
  // biome-ignore lint/suspicious/noExplicitAny: tests read answers of every shape
  readonly body: any;
  readonly headers: Headers;
}

export interface SignedIn {
  readonly cookie: string;
  readonly csrf: string;
}

/**
 * The admin service on the real MariaDB (a database of its own) and Redis (a key prefix of its
 * own), with seeded users; `call` speaks to `/admin/api` as the console does.
 */
export class AdminHarness {
  #testDb?: TestDatabase;
  #infrastructure?: Infrastructure;
  #admin?: RunningService;
  #dataDir = '';
  #keyPrefix = '';
  config!: AdminConfig;
  /** The composed express app (for `apiRoutesOf`). */
  app?: Express;

  get db(): Db {
    if (this.#infrastructure === undefined) throw new Error('harness not started');
    return this.#infrastructure.db;
  }

  /** This harness's Redis key prefix. */
  get keyPrefix(): string {
    return this.#keyPrefix;
  }

  get url(): string {
    if (this.#admin === undefined) throw new Error('harness not started');
    return this.#admin.url;
  }

  async start(
    users: Readonly<Record<string, Role>>,
    env: Environment = {},
    options: Omit<AdminServiceOptions, 'infrastructure' | 'onApp'> & { readonly config?: Partial<AdminConfig> } = {},
  ): Promise<void> {
    this.#testDb = await createTestDatabase('mpstack_admin');
    this.#dataDir = mkdtempSync(join(tmpdir(), 'mpstack-admin-'));
    this.#keyPrefix = `${uniqueName('admin-test')}:`;
    this.config = loadAdminConfig({
      MPSTACK_DATABASE_URL: this.#testDb.url,
      MPSTACK_REDIS_URL: REDIS_URL,
      MPSTACK_KEY_PREFIX: this.#keyPrefix,
      MPSTACK_DATA_DIR: this.#dataDir,
      MPSTACK_ADMIN_PORT: '0',
      MPSTACK_LOG_LEVEL: 'silent',
      ...env,
    });
    if (options.config !== undefined) this.config = { ...this.config, ...options.config };
    this.#infrastructure = await openInfrastructure(
      { service: 'admin-test', ...this.config, migrate: true },
      createLogger({ service: 't', level: 'silent' }),
    );
    const repository = createUsersRepository(this.#infrastructure.db);
    const passwordHash = await hashPassword(seedPassword);
    for (const [username, role] of Object.entries(users)) {
      await repository.create({ username, displayName: username, role, passwordHash });
    }
    this.#admin = await startAdmin({
      config: this.config,
      infrastructure: this.#infrastructure,
      onApp: (app) => {
        this.app = app;
      },
    });
  }

  async stop(): Promise<void> {
    await this.#admin?.close();
    await this.#infrastructure?.close();
    await this.#testDb?.drop();
    if (this.#keyPrefix !== '') await deleteKeys(this.#keyPrefix);
    if (this.#dataDir !== '') rmSync(this.#dataDir, { recursive: true, force: true });
  }

  async call(method: string, path: string, init: ApiCall = {}): Promise<ApiAnswer> {
    const headers: Record<string, string> = { 'content-type': init.contentType ?? 'application/json' };
    const origin = init.origin === undefined ? this.url : init.origin;
    if (origin !== null) headers['origin'] = origin;
    if (init.cookie !== undefined) headers['cookie'] = init.cookie;
    if (init.csrf !== undefined) headers['x-csrf-token'] = init.csrf;
    if (init.forwardedFor !== undefined) headers['x-forwarded-for'] = init.forwardedFor;
    const body = init.rawBody ?? (init.body === undefined ? undefined : JSON.stringify(init.body));
    const response = await fetch(`${this.url}/admin/api${path}`, {
      method,
      headers,
      ...(body === undefined ? {} : { body }),
    });
    const text = await response.text();
    let parsed: unknown = {};
    if (text !== '' && (response.headers.get('content-type') ?? '').includes('json')) parsed = JSON.parse(text);
    return { status: response.status, text, body: parsed, headers: response.headers };
  }

  /** Signs in (from `forwardedFor`, when given); throws unless it works. */
  async signIn(username: string, password = seedPassword, forwardedFor?: string): Promise<SignedIn> {
    const answer = await this.call('POST', '/session', {
      body: { username, password },
      ...(forwardedFor === undefined ? {} : { forwardedFor }),
    });
    if (answer.status !== 200) throw new Error(`sign-in of ${username}: ${answer.status} ${answer.text}`);
    const cookie = answer.headers.get('set-cookie')?.split(';')[0] ?? '';
    return { cookie, csrf: answer.body.csrfToken as string };
  }

  /** A call as a signed-in user, with its CSRF token. */
  as(user: SignedIn, method: string, path: string, init: Omit<ApiCall, 'cookie' | 'csrf'> = {}): Promise<ApiAnswer> {
    return this.call(method, path, { ...init, cookie: user.cookie, csrf: user.csrf });
  }
}
