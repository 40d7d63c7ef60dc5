import type { SimAccount } from '@mpstack/simulators';
// The light subpath: `mpstack wx sign` loads this file and must not load express.
import { sampleTemplates } from '@mpstack/simulators/templates';
import type { SeedData } from '../seed/seed.js';
import { fetchStableToken } from './dev-worker.js';

/**
 * The demo account `mpstack dev` seeds and wires to the simulator: safe mode (the mode
 * big accounts run), with a subscribe reply, a few keyword replies and a default reply,
 * so the phone page shows every fast-path answer out of the box.
 */
export const demoAccount = {
  id: 'demo',
  name: 'mpstack 演示号',
  appId: 'wx6d0c0d8f9e7a5b31',
  appSecret: 'demo-app-secret-0123456789abcdef',
  token: 'mpstackdemotoken',
  encodingAesKey: 'kWxPEV2UEDyxWpmPdKC3F4dgPDmOvfKX1HGnEUDS1aR',
  encryptMode: 'safe',
  originalId: 'gh_mpstackdemo01',
} as const;

export const demoSeed: SeedData = {
  accounts: [
    {
      id: demoAccount.id,
      name: demoAccount.name,
      appId: demoAccount.appId,
      appSecret: demoAccount.appSecret,
      token: demoAccount.token,
      encodingAesKey: demoAccount.encodingAesKey,
      encryptMode: demoAccount.encryptMode,
      rules: [
        {
          kind: 'subscribe',
          reply: { type: 'text', content: '欢迎关注 mpstack 演示号 🎉 回复「话费」「流量」或「活动」试试。' },
        },
        {
          kind: 'keyword',
          matchType: 'exact',
          keyword: '话费',
          reply: { type: 'text', content: '您本月话费 58.00 元，余额 88.88 元 📱' },
        },
        {
          kind: 'keyword',
          matchType: 'contains',
          keyword: '流量',
          reply: { type: 'text', content: '本月已用流量 3.2 GB，剩余 16.8 GB 📶' },
        },
        {
          kind: 'keyword',
          matchType: 'exact',
          keyword: '活动',
          reply: {
            type: 'news',
            articles: [
              { title: '双十一流量红包 🧧', description: '关注即领 1 GB 流量', url: 'https://example.com/activity' },
            ],
          },
        },
        {
          kind: 'keyword',
          matchType: 'exact',
          keyword: 'MENU_BILL',
          reply: { type: 'text', content: '点击了「查账单」菜单 🧾' },
        },
        // The 人工客服 menu button hands the user to customer service (the phone shows the transfer).
        {
          kind: 'keyword',
          matchType: 'exact',
          keyword: 'MENU_AGENT',
          reply: { type: 'transfer_customer_service' },
        },
        { kind: 'default', reply: { type: 'text', content: '收到，正在为您处理…' } },
      ],
    },
  ],
};

/** Followers the simulator knows, so the phone page has someone to be. */
export const demoUsers = [
  { openid: 'o_demo_xiaoming_0001', nickname: '小明 🐼' },
  { openid: 'o_demo_lihua_0002', nickname: '李华' },
] as const;

/** The demo account as the WeChat simulator knows it (same credentials as the seed). */
export const demoSimAccount: SimAccount = {
  id: demoAccount.id,
  appId: demoAccount.appId,
  appSecret: demoAccount.appSecret,
  token: demoAccount.token,
  encodingAesKey: demoAccount.encodingAesKey,
  mode: demoAccount.encryptMode,
  originalId: demoAccount.originalId,
  users: demoUsers,
  // 账单提醒, 流量使用提醒, 业务办理成功通知: template sends work in `mpstack dev` (and 43004 shows).
  templates: sampleTemplates,
};

/**
 * Creates the demo account's menu through the (simulated) WeChat API, the way an operator
 * would: the phone page shows it, and its CLICK key is answered by a keyword rule.
 */
export async function createDemoMenu(apiBaseUrl: string): Promise<void> {
  const token = await fetchStableToken(apiBaseUrl, demoAccount.appId, demoAccount.appSecret);
  const menu = {
    button: [
      { type: 'click', name: '查账单', key: 'MENU_BILL' },
      { type: 'click', name: '人工客服', key: 'MENU_AGENT' },
      {
        name: '更多',
        sub_button: [
          { type: 'view', name: '流量红包', url: 'https://example.com/activity' },
          { type: 'scancode_push', name: '扫码办理', key: 'MENU_SCAN' },
        ],
      },
    ],
  };
  const result = (await (
    await fetch(`${apiBaseUrl}/cgi-bin/menu/create?access_token=${token}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(menu),
    })
  ).json()) as { errcode?: number; errmsg?: string };
  if ((result.errcode ?? 0) !== 0) throw new Error(`menu/create failed: ${result.errcode} ${result.errmsg}`);
}
