/**
 * The WeChat simulator in a process of its own for `simulator-template-send.ts` (so its CPU is
 * measured apart from the client and the webhook): one safe-mode account, `followers` users
 * and a template, receipts to the webhook given. Prints `{ url }` and runs until stdin closes.
 *
 *   node simulator-template-child.js <followers> <webhook base URL>
 */
import { startSimulator } from '@mpstack/simulators';

const followers = Number(process.argv[2] ?? 10_000);
const sim = await startSimulator({
  port: 0,
  ingressBaseUrl: process.argv[3] ?? 'http://127.0.0.1:9',
  limits: { templateDailyQuota: 1e12 },
  accounts: [
    {
      id: 'bench',
      appId: 'wxbench0000000001',
      appSecret: 'bench-secret',
      token: 'benchtoken',
      encodingAesKey: 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG',
      mode: 'safe',
      originalId: 'gh_bench000001',
      templateIds: ['TPL_BENCH'],
      users: Array.from({ length: followers }, (_, n) => ({ openid: `oBench${n}`, isSubscribed: true })),
    },
  ],
});
process.stdout.write(`${JSON.stringify({ url: sim.url })}\n`);
process.stdin.resume();
process.stdin.on('end', () => {
  void sim.close().then(() => process.exit(0));
});
