import assert from 'node:assert/strict';
import { createCoordination } from '@mpstack/common/adapters';
import { encodeInvalidation, invalidationChannels } from '@mpstack/common/contracts';
import { createDatabase, type Db } from '@mpstack/common/db';
import type { CoordinationPort } from '@mpstack/common/ports';
import { REDIS_URL, until } from '@mpstack/testkit';
import { api } from '../../support/outbound-api.js';
import { createOutboundStand, type OutboundStand } from '../../support/outbound-stand.js';

interface Check {
  ok: boolean;
  errcode?: number;
}

/**
 * The business service hears the console's account changes as the ingress does: on the
 * accounts invalidation channel (Redis pub/sub), published after the write. What it caches of
 * an account (its AppID) is dropped, so the next WeChat call uses the account as it now is.
 */
describe('outbound e2e: account changes reach the business service (MariaDB, Redis pub/sub, simulator)', function () {
  this.timeout(120_000);
  let stand: OutboundStand;
  let base: string;
  let db: Db;
  let publisher: CoordinationPort;

  /** What the console's accounts write does: the row, then the announcement on Redis. */
  async function changeAppId(appId: string): Promise<void> {
    await db.updateTable('accounts').set({ app_id: appId }).where('id', '=', stand.account).execute();
    await publisher.publish(invalidationChannels.accounts, encodeInvalidation(stand.account));
  }
  const check = () => api<Check>(base, 'POST', '/health/check', { account: stand.account });

  before(async () => {
    stand = await createOutboundStand({ followers: 1 });
    base = (await stand.business()).url;
    db = createDatabase({ url: stand.stack.databaseUrl });
    publisher = createCoordination({ redisUrl: REDIS_URL, keyPrefix: stand.stack.keyPrefix });
  });
  after(async () => {
    await publisher?.close();
    await db?.destroy();
    await stand?.dispose();
  });

  it('an AppID edited in the console is the one the next call uses; edited back, the account works again', async () => {
    assert.equal((await check()).ok, true, 'the account works (its AppID is now cached)');
    // An AppID WeChat does not know: the token fetch answers 40013 once the change is heard.
    await changeAppId('wx0000000000000000');
    const refused = await until(
      async () => {
        const answer = await check();
        return answer.ok ? undefined : answer;
      },
      15_000,
      'the business service uses the new AppID',
      200,
    );
    assert.equal(refused.errcode, 40013, JSON.stringify(refused));
    await changeAppId(stand.stack.account.appId);
    await until(async () => ((await check()).ok ? true : undefined), 15_000, 'the old AppID in use again', 200);
  });

  it('an announcement that is not an account id is ignored; the service goes on', async () => {
    await publisher.publish(invalidationChannels.accounts, '');
    assert.equal((await check()).ok, true);
  });
});
