import assert from 'node:assert/strict';
import {
  createWeChatApiClient,
  templateFieldsOf,
  type WeChatApiClient,
  WeChatApiError,
} from '@mpstack/common/wechat-api';
import { startWeChatStand, templateId, type WeChatStand } from '../../support/wechat-stand.js';

/** The client calls the console's pages use: the template library, the tags and the token's health. */
describe('WeChat API client: templates, tags and token health (the simulator, real Redis)', () => {
  let stand: WeChatStand;
  let api: WeChatApiClient;

  beforeEach(async () => {
    stand = await startWeChatStand();
    api = createWeChatApiClient(stand.config(), { coordination: stand.redis(), secrets: stand.secrets });
  });
  afterEach(async () => {
    await api.close();
    await stand.close();
  });

  it('lists the private templates with their content, whose {{key.DATA}} fields parse in order', async () => {
    const templates = await api.getPrivateTemplates(stand.account.appId);
    const ours = templates.find((t) => t.templateId === templateId);
    assert.ok(ours, JSON.stringify(templates));
    const fields = templateFieldsOf(ours.content).map((f) => f.key);
    assert.deepEqual(fields, ['first', 'keyword1', 'keyword2', 'keyword3', 'remark']);
  });

  it('parses labels, repeated keys and lines without a label', () => {
    assert.deepEqual(
      templateFieldsOf('{{first.DATA}}\n物流单号：{{character_string1.DATA}}\n金额: {{amount2.DATA}} {{amount2.DATA}}'),
      [
        { key: 'first', label: '' },
        { key: 'character_string1', label: '物流单号' },
        { key: 'amount2', label: '金额' },
      ],
    );
    assert.deepEqual(templateFieldsOf('no placeholders {{ bad }}'), []);
  });

  it('a refusal of get_all_private_template is a typed errcode with its meaning', async () => {
    await stand.otherParty('/_sim/faults', {
      api: '/cgi-bin/template/get_all_private_template',
      errcode: 48001,
      times: 1,
    });
    await assert.rejects(api.getPrivateTemplates(stand.account.appId), (error: unknown) => {
      assert.ok(error instanceof WeChatApiError, String(error));
      assert.equal(error.errcode, 48001);
      assert.equal(error.kind, 'permission');
      assert.ok(error.meaning.length > 0);
      return true;
    });
  });

  it("lists the account's tags with their follower counts", async () => {
    const token = await api.getAccessToken(stand.account.appId);
    await stand.otherParty(`/cgi-bin/tags/create?access_token=${token}`, { tag: { name: '会员' } });
    const tags = await api.getTags(stand.account.appId);
    const member = tags.find((t) => t.name === '会员');
    assert.ok(member, JSON.stringify(tags));
    assert.equal(member.count, 0);
  });

  it('token health reads the stored token without ever fetching one', async () => {
    const none = await api.tokenHealth(stand.account.appId);
    assert.deepEqual([none.isUsable, none.generation, none.ageMs], [false, 0, undefined]);
    assert.equal(stand.sim.state.tokens.stats(stand.account.appId).fetches, 0, 'health fetched nothing');
    await api.getAccessToken(stand.account.appId);
    const health = await api.tokenHealth(stand.account.appId);
    assert.equal(health.isUsable, true);
    assert.equal(health.generation, 1);
    assert.ok(health.remainingMs > 7_000_000, String(health.remainingMs));
    assert.ok(health.ageMs !== undefined && health.ageMs < 10_000, String(health.ageMs));
    assert.equal(stand.sim.state.tokens.stats(stand.account.appId).fetches, 1);
  });
});
