import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createConsoleUser, loadAdminConfig, startAdmin } from '@mpstack/admin';
import { createDatabase } from '@mpstack/common/db';
import type { RunningService } from '@mpstack/common/shell';
import { sendToAccount, textMessage } from '@mpstack/simulators';
import { REDIS_URL, uniqueName, until } from '@mpstack/testkit';
import { IngressProcess } from '../support/ingress-process.js';
import { QueueRecorder } from '../support/queue-recorder.js';
import { createStack, keyword, partitions, type Stack } from '../support/stack.js';

interface Status {
  readonly isServed: boolean;
  readonly disabled: boolean;
  readonly hasPreviousAesKey: boolean;
}

/**
 * The console's account writes reaching the webhook: the admin service and two ingress
 * replicas as separate processes (`mpstack run ingress`) sharing the real MariaDB, Redis and
 * RabbitMQ. Each replica is asked what it serves (`GET /api/accounts/:id` and its
 * `lastReloadAt`) — a change counts as seen when the replica reloaded after the write.
 */
describe('e2e console accounts: admin API → pub/sub → every ingress replica (MariaDB, Redis, RabbitMQ)', function () {
  this.timeout(90_000);
  let stack: Stack;
  const replicas: IngressProcess[] = [];
  let admin: RunningService;
  let recorder: QueueRecorder;
  let session: { cookie: string; csrf: string };

  before(async () => {
    stack = await createStack();
    // One after the other: two start-ups at once on a loaded 2-core machine can pass the start bound.
    replicas.push(await IngressProcess.start(stack.replicaEnv()));
    replicas.push(await IngressProcess.start(stack.replicaEnv()));
    recorder = await QueueRecorder.start(stack.amqpUrl, partitions);
    const db = createDatabase({ url: stack.databaseUrl });
    const root = await createConsoleUser(db, { username: 'root', role: 'super-admin' }).finally(() => db.destroy());
    admin = await startAdmin({
      config: loadAdminConfig({
        MPSTACK_DATABASE_URL: stack.databaseUrl,
        MPSTACK_REDIS_URL: REDIS_URL,
        MPSTACK_KEY_PREFIX: stack.keyPrefix,
        MPSTACK_DATA_DIR: stack.dir,
        MPSTACK_ADMIN_PORT: '0',
        MPSTACK_LOG_LEVEL: 'silent',
      }),
    });
    const signIn = await fetch(`${admin.url}/admin/api/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: admin.url },
      body: JSON.stringify({ username: root.username, password: root.password }),
    });
    assert.equal(signIn.status, 200);
    session = {
      cookie: signIn.headers.get('set-cookie')?.split(';')[0] ?? '',
      csrf: ((await signIn.json()) as { csrfToken: string }).csrfToken,
    };
  });
  after(async () => {
    await admin?.close();
    await Promise.allSettled(replicas.map((replica) => replica.kill()));
    await recorder?.close();
    await stack?.dispose();
  });

  const write = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${admin.url}/admin/api${path}`, {
      method,
      headers: {
        'content-type': 'application/json',
        origin: admin.url,
        cookie: session.cookie,
        'x-csrf-token': session.csrf,
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    assert.ok(response.ok, `${method} ${path}: ${response.status} ${await response.clone().text()}`);
    return response.json() as Promise<Record<string, unknown>>;
  };

  /**
   * Resolves once every replica has reloaded its accounts after `since` and shows `expected`
   * for `id`. 10 s is far below the replicas' 60 s periodic reload: only the announcement
   * explains a reload in that window. Returns how long each replica took (ms), for the message.
   */
  const seenByEveryReplica = async (id: string, since: number, expected: (status: Status) => boolean) =>
    Promise.all(
      replicas.map((replica, index) =>
        until(
          async () => {
            const list = (await (await fetch(`${replica.url}/api/accounts`)).json()) as { lastReloadAt: string | null };
            if (list.lastReloadAt === null || Date.parse(list.lastReloadAt) < since) return false;
            const response = await fetch(`${replica.url}/api/accounts/${id}`);
            if (!response.ok) return false;
            return expected((await response.json()) as Status) && Date.parse(list.lastReloadAt) - since + 1;
          },
          10_000,
          `replica ${index + 1} to reload ${id} after the write`,
        ),
      ),
    );

  const shop = () => stack.account;
  const keywordReply = async (replica: IngressProcess, encodingAesKey: string, from = uniqueName('oUser')) =>
    sendToAccount({
      url: `${replica.url}/wx/${shop().id}`,
      account: { ...shop(), encodingAesKey },
      xml: textMessage({ from, to: shop().originalId, content: keyword.text }),
    });

  it('an account created in the console is served by both replicas after the announcement', async () => {
    const id = uniqueName('new').replace(/[^a-z0-9-]/g, '');
    const since = Date.now();
    await write('POST', '/accounts', {
      id,
      name: '新账号',
      appId: `wx${randomBytes(8).toString('hex')}`,
      token: 'NewAccountToken1',
      encodingAesKey: randomBytes(32).toString('base64').slice(0, 43),
      mode: 'safe',
    });
    const took = await seenByEveryReplica(id, since, (status) => status.isServed);
    assert.equal(took.length, 2, `both replicas reloaded (${took.join(' ms, ')} ms after the write)`);
  });

  it('rotates the AES key in the console: both replicas accept a message under the old key and under the new one', async () => {
    const oldKey = shop().encodingAesKey;
    const newKey = randomBytes(32).toString('base64').slice(0, 43);
    const since = Date.now();
    const view = await write('POST', `/accounts/${shop().id}/rotate-aes-key`, { encodingAesKey: newKey });
    assert.equal(view['hasPreviousAesKey'], true);
    await seenByEveryReplica(shop().id, since, (status) => status.hasPreviousAesKey);
    for (const replica of replicas) {
      for (const key of [oldKey, newKey]) {
        const report = await keywordReply(replica, key);
        assert.equal(report.userSees.kind, 'reply', `${replica.url} with the ${key === oldKey ? 'old' : 'new'} key`);
        if (report.userSees.kind === 'reply') {
          assert.equal(report.userSees.isEncrypted, true);
          assert.deepEqual(report.userSees.reply, { type: 'text', content: keyword.reply });
        }
      }
    }
    const wrong = await keywordReply(replicas[0] as IngressProcess, randomBytes(32).toString('base64').slice(0, 43));
    assert.equal(wrong.deliveries[0]?.status, 400, 'a third key is still refused');
  });

  it('disables an account: both replicas answer "success" and drop its messages; enabling serves it again', async () => {
    const since = Date.now();
    assert.equal((await write('POST', `/accounts/${shop().id}/disable`))['disabled'], true);
    await seenByEveryReplica(shop().id, since, (status) => status.disabled);
    const from = uniqueName('oUser');
    for (const replica of replicas) {
      const report = await keywordReply(replica, shop().encodingAesKey, from);
      assert.deepEqual(
        [report.deliveries.length, report.deliveries[0]?.status, report.deliveries[0]?.body],
        [1, 200, 'success'],
      );
      assert.deepEqual(report.userSees, { kind: 'nothing' }, 'the follower sees no error and no reply');
      await until(
        () => replica.logged('delivery to a disabled account refused').length > 0,
        5_000,
        'the refusal logged',
      );
    }
    const enabledSince = Date.now();
    assert.equal((await write('POST', `/accounts/${shop().id}/enable`))['disabled'], false);
    await seenByEveryReplica(shop().id, enabledSince, (status) => !status.disabled);
    assert.equal((await keywordReply(replicas[1] as IngressProcess, shop().encodingAesKey)).userSees.kind, 'reply');
    // Same user ⇒ same partition ⇒ FIFO: once this arrived, anything forwarded while disabled would have too.
    await sendToAccount({
      url: `${replicas[0]?.url}/wx/${shop().id}`,
      account: shop(),
      xml: textMessage({ from, to: shop().originalId, content: 'after enabling' }),
    });
    const received = await until(() => recorder.from(from).length > 0 && recorder.from(from), 10_000);
    assert.deepEqual(
      received.map((r) => r.message.kind === 'text' && r.message.content),
      ['after enabling'],
    );
  });
});
