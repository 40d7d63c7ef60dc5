import assert from 'node:assert/strict';
import { parseMessage } from '@mpstack/common/wechat';
import { startSimulator } from '../../src/index.js';
import { type ApiHarness, fakeIngress, fetchToken, getJson, postJson, startApi, testAccount } from '../helpers.js';

const account = testAccount();
const pngSignature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

describe('simulated /cgi-bin/qrcode/create and /cgi-bin/showqrcode', () => {
  let api: ApiHarness;
  let token: string;
  beforeEach(async () => {
    api = await startApi([account]);
    token = await api.token(account);
  });
  afterEach(() => api.close());

  const create = (body: Record<string, unknown>, accessToken = token) =>
    api.post(`/cgi-bin/qrcode/create?access_token=${accessToken}`, body);
  const image = (ticket: string) => fetch(`${api.url}/cgi-bin/showqrcode?ticket=${encodeURIComponent(ticket)}`);

  it('creates a temporary code (60 s by default, at most 30 days) whose image is served until it expires', async () => {
    const code = await create({ action_name: 'QR_SCENE', action_info: { scene: { scene_id: 123 } } });
    assert.equal(code.expire_seconds, 60);
    assert.match(String(code.url), /^http:\/\/weixin\.qq\.com\/q\/[A-Za-z0-9]{20}$/);
    assert.ok(String(code.ticket).length > 40);
    const shown = await image(String(code.ticket));
    assert.equal(shown.status, 200);
    assert.equal(shown.headers.get('content-type'), 'image/png');
    assert.deepEqual(Buffer.from(await shown.arrayBuffer()).subarray(0, 8), pngSignature);
    api.clock.advance(60_000);
    assert.equal((await image(String(code.ticket))).status, 404, 'expired');
    assert.equal((await image('not-a-ticket')).status, 404);

    const month = await create({
      action_name: 'QR_STR_SCENE',
      expire_seconds: 9_999_999,
      action_info: { scene: { scene_str: '流量红包-2025' } },
    });
    assert.equal(month.expire_seconds, 2_592_000);
    assert.notEqual(month.ticket, code.ticket);
  });

  it('gives one permanent code per scene, up to the account limit', async () => {
    api.state.setLimits({ permanentQrCodes: 2 });
    const first = await create({ action_name: 'QR_LIMIT_SCENE', action_info: { scene: { scene_id: 7 } } });
    assert.equal(first.expire_seconds, undefined);
    const again = await create({ action_name: 'QR_LIMIT_SCENE', action_info: { scene: { scene_id: 7 } } });
    assert.equal(again.ticket, first.ticket);
    await create({ action_name: 'QR_LIMIT_STR_SCENE', action_info: { scene: { scene_str: 'shop' } } });
    const third = await create({ action_name: 'QR_LIMIT_STR_SCENE', action_info: { scene: { scene_str: 'more' } } });
    assert.equal(third.errcode, 40053, 'the permanent codes are used up');
    api.clock.advance(365 * 86_400_000);
    assert.equal((await image(String(first.ticket))).status, 200, 'permanent codes do not expire');
  });

  it('refuses actions it cannot take with 40053, and calls without a token with 41001', async () => {
    const bad = [
      {},
      { action_name: 'QR_FOREVER', action_info: { scene: { scene_id: 1 } } },
      { action_name: 'QR_SCENE', action_info: { scene: { scene_id: 0 } } },
      { action_name: 'QR_SCENE', action_info: { scene: { scene_id: 2 ** 32 } } },
      { action_name: 'QR_SCENE', action_info: { scene: { scene_str: 'x' } } },
      { action_name: 'QR_SCENE', expire_seconds: -5, action_info: { scene: { scene_id: 1 } } },
      { action_name: 'QR_LIMIT_SCENE', action_info: { scene: { scene_id: 100_001 } } },
      { action_name: 'QR_STR_SCENE', action_info: { scene: { scene_str: '' } } },
      { action_name: 'QR_LIMIT_STR_SCENE', action_info: { scene: { scene_str: 'x'.repeat(65) } } },
    ];
    for (const body of bad) assert.equal((await create(body)).errcode, 40053, JSON.stringify(body));
    const noToken = await postJson(`${api.url}/cgi-bin/qrcode/create`, { action_name: 'QR_SCENE' });
    assert.equal(noToken.errcode, 41001);
  });
});

describe('phone: scanning a parametric QR code', () => {
  it('follows with qrscene_<scene> + Ticket, then SCAN for a follower; user/info reports the QR scene', async () => {
    const ingress = await fakeIngress([account], (_req, res) => {
      res.end('success');
    });
    const sim = await startSimulator({ port: 0, accounts: [account], ingressBaseUrl: ingress.url });
    try {
      const accessToken = await fetchToken(sim.url, account);
      const code = await postJson(`${sim.url}/cgi-bin/qrcode/create?access_token=${accessToken}`, {
        action_name: 'QR_SCENE',
        expire_seconds: 600,
        action_info: { scene: { scene_id: 2025 } },
      });
      const accounts = await getJson(`${sim.url}/phone/api/accounts`);
      const offered = (accounts.accounts as Array<{ qrcodes: Array<{ ticket: string; scene: string }> }>)[0]?.qrcodes;
      assert.deepEqual(offered, [{ ticket: code.ticket, scene: '2025' }]);

      const scan = (openid: string, ticket = String(code.ticket)) =>
        postJson(`${sim.url}/phone/api/send`, { account: 'demo', openid, action: 'qrscan', content: ticket });
      await scan('o_newcomer');
      await scan('o_newcomer');
      const [follow, rescan] = ingress.pushes.map((push) => parseMessage(push.message));
      assert.ok(follow?.kind === 'event' && follow.event === 'subscribe');
      assert.equal(ingress.pushes[0]?.message.EventKey, 'qrscene_2025');
      assert.deepEqual(['scene' in follow && follow.scene, 'ticket' in follow && follow.ticket], ['2025', code.ticket]);
      assert.ok(rescan?.kind === 'event' && rescan.event === 'SCAN');
      assert.deepEqual(['scene' in rescan && rescan.scene, 'ticket' in rescan && rescan.ticket], ['2025', code.ticket]);

      const info = await getJson(`${sim.url}/cgi-bin/user/info?access_token=${accessToken}&openid=o_newcomer`);
      assert.deepEqual(
        [info.subscribe, info.subscribe_scene, info.qr_scene, info.qr_scene_str],
        [1, 'ADD_SCENE_QR_CODE', 2025, ''],
      );

      sim.clock.advance(600_000);
      const expired = await scan('o_latecomer');
      assert.equal((expired.error as { code: string }).code, 'qrcode_expired');
      assert.equal(ingress.pushes.length, 2, 'an expired code pushes nothing');
    } finally {
      await sim.close();
      await ingress.close();
    }
  });
});
