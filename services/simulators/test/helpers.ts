import { createServer, type IncomingMessage, type RequestListener, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  decodeAesKey,
  decryptMessage,
  encryptReply,
  msgSignature,
  parseXml,
  signaturesEqual,
  urlSignature,
  type XmlFields,
} from '@mpstack/common/wechat';
import {
  AdjustableClock,
  type CallbackDispatcher,
  createSimulator,
  type SimAccount,
  type SimulatorState,
} from '../src/index.js';

export interface Listening {
  readonly url: string;
  close(): Promise<void>;
}

/** Listens on an ephemeral port. */
export async function listen(handler: RequestListener): Promise<Listening> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export const aesKey = 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG';

export function testAccount(overrides: Partial<SimAccount> = {}): SimAccount {
  return {
    id: 'demo',
    appId: 'wx1234567890abcdef',
    appSecret: 'secret-demo',
    token: 'demo-token',
    mode: 'plain',
    templateIds: ['tpl-order'],
    users: [
      { openid: 'o_alice', nickname: 'Alice 🌸', unionid: 'u_alice' },
      { openid: 'o_bob', nickname: 'Bob' },
    ],
    ...overrides,
  };
}

/** The test account in safe (encrypted) mode. */
export function safeAccount(): SimAccount {
  return testAccount({ id: 'safe', appId: 'wxsafe000000000001', mode: 'safe', encodingAesKey: aesKey });
}

export function compatibleAccount(): SimAccount {
  return testAccount({ id: 'compat', appId: 'wxcompat0000000001', mode: 'compatible', encodingAesKey: aesKey });
}

export async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** What a callback server received, after checking it like an ingress would. */
export interface Received {
  readonly query: URLSearchParams;
  readonly body: string;
  /** The plaintext message fields (decrypted when encrypted). */
  readonly message: XmlFields;
  readonly isSignatureValid: boolean;
  readonly isMsgSignatureValid: boolean | undefined;
}

/** Verifies signature/msg_signature and decrypts a push with @mpstack/common. */
export function inspectPush(account: SimAccount, url: string, body: string): Received {
  const query = new URL(url, 'http://x').searchParams;
  const timestamp = query.get('timestamp') ?? '';
  const nonce = query.get('nonce') ?? '';
  const isSignatureValid = signaturesEqual(urlSignature(account.token, timestamp, nonce), query.get('signature') ?? '');
  const outer = parseXml(body);
  if (query.get('encrypt_type') !== 'aes') {
    return { query, body, message: outer, isSignatureValid, isMsgSignatureValid: undefined };
  }
  const encrypt = outer.Encrypt ?? '';
  const isMsgSignatureValid = signaturesEqual(
    msgSignature(account.token, timestamp, nonce, encrypt),
    query.get('msg_signature') ?? '',
  );
  const keys = [decodeAesKey(account.encodingAesKey ?? '')];
  const message = parseXml(decryptMessage(keys, account.appId, encrypt).message);
  return { query, body, message, isSignatureValid, isMsgSignatureValid };
}

/** Encrypts a reply as WXBizMsgCrypt.EncryptMsg does. */
export function encryptedReply(account: SimAccount, xml: string, signatureOverride?: string): string {
  const envelope = encryptReply({
    xml,
    aesKey: account.encodingAesKey ?? '',
    appId: account.appId,
    token: account.token,
    timestamp: '1700000000',
    nonce: '12345',
  });
  return signatureOverride === undefined
    ? envelope
    : envelope.replace(/(<MsgSignature><!\[CDATA\[)[0-9a-f]{40}/, `$1${signatureOverride}`);
}

export type Handler = (req: IncomingMessage, res: ServerResponse, body: string) => void | Promise<void>;

/** A fake ingress that verifies and records each push to `/wx/:id`, then answers with `handler`. */
export async function fakeIngress(
  accounts: readonly SimAccount[],
  handler: Handler,
): Promise<Listening & { readonly pushes: Received[] }> {
  const pushes: Received[] = [];
  const server = await listen((req, res) => {
    void readBody(req).then(async (body) => {
      const id = new URL(req.url ?? '/', 'http://x').pathname.split('/').at(-1);
      const account = accounts.find((candidate) => candidate.id === id);
      if (account !== undefined) pushes.push(inspectPush(account, req.url ?? '/', body));
      await handler(req, res, body);
    });
  });
  return { ...server, pushes };
}

export interface ApiHarness extends Listening {
  readonly state: SimulatorState;
  readonly clock: AdjustableClock;
  readonly callbacks: CallbackDispatcher;
  /** `GET <url><path>` as JSON. */
  get(path: string): Promise<Record<string, unknown>>;
  post(path: string, body: unknown): Promise<Record<string, unknown>>;
  /** A fresh access_token for the account. */
  token(account: SimAccount): Promise<string>;
}

export const startOfTest = Date.UTC(2025, 0, 6, 2, 0, 0);

/** The simulator's listener (Express app and hot path) on a frozen adjustable clock, on an ephemeral port. */
export async function startApi(
  accounts: readonly SimAccount[],
  options: {
    readonly callbackBaseUrl?: string;
    /** Serves the Express app alone, without the hot path ahead of it (to compare the two). */
    readonly isExpressOnly?: boolean;
    readonly keptTemplateSends?: number;
  } = {},
): Promise<ApiHarness> {
  const clock = new AdjustableClock({ startAt: startOfTest, isFrozen: true });
  const { app, listener, state, callbacks } = createSimulator({
    accounts,
    clock,
    ...(options.callbackBaseUrl === undefined ? {} : { ingressBaseUrl: options.callbackBaseUrl }),
    ...(options.keptTemplateSends === undefined ? {} : { keptTemplateSends: options.keptTemplateSends }),
  });
  const server = await listen(options.isExpressOnly === true ? app : listener);
  const harness: ApiHarness = {
    ...server,
    state,
    clock,
    callbacks,
    get: (path) => getJson(`${server.url}${path}`),
    post: (path, body) => postJson(`${server.url}${path}`, body),
    token: (account) => fetchToken(server.url, account),
    close: async () => {
      await callbacks.drain();
      await server.close();
    },
  };
  return harness;
}

/** An access_token for the account from the simulator at `baseUrl` (`/cgi-bin/token`). */
export async function fetchToken(baseUrl: string, account: SimAccount): Promise<string> {
  const q = `grant_type=client_credential&appid=${account.appId}&secret=${account.appSecret}`;
  return String((await getJson(`${baseUrl}/cgi-bin/token?${q}`)).access_token);
}

export async function getJson(url: string): Promise<Record<string, unknown>> {
  const response = await fetch(url);
  return (await response.json()) as Record<string, unknown>;
}

export async function postJson(url: string, body: unknown): Promise<Record<string, unknown>> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return (await response.json()) as Record<string, unknown>;
}

/** What {@link withCallbackIngress} sets up for each test: the API, its token, and the fake ingress. */
export interface CallbackStand {
  ingress: Listening & { readonly pushes: Received[] };
  api: ApiHarness;
  token: string;
}

/**
 * Around each test of the calling `describe`: a fake ingress answering `success` to every
 * job-finish push, the simulator's API pushing to it, and an access_token for `account`.
 * Read the fields inside the tests (they are new for each test).
 */
/** A simulator per test (the pattern above without the ingress): `stand.api` and the first account's `stand.token`. */
export function withApi(
  accounts: readonly SimAccount[],
  options?: Parameters<typeof startApi>[1],
): { api: ApiHarness; token: string } {
  const stand = {} as { api: ApiHarness; token: string };
  beforeEach(async () => {
    stand.api = await startApi(accounts, options);
    stand.token = await stand.api.token(accounts[0] as SimAccount);
  });
  afterEach(() => stand.api?.close());
  return stand;
}

export function withCallbackIngress(account: SimAccount): CallbackStand {
  const stand = {} as CallbackStand;
  beforeEach(async () => {
    stand.ingress = await fakeIngress([account], (_req, res) => {
      res.end('success');
    });
    stand.api = await startApi([account], { callbackBaseUrl: stand.ingress.url });
    stand.token = await stand.api.token(account);
  });
  afterEach(async () => {
    await stand.api?.close();
    await stand.ingress?.close();
  });
  return stand;
}
