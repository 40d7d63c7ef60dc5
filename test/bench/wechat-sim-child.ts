/**
 * The WeChat simulator in a process of its own for `make bench-wechat-client` (so its CPU is
 * not counted as the client's): one account with a template and a follower, quotas out of the
 * way, event pushes answered by a stub ingress. Prints `{ url, appId, secret }` and runs until
 * stdin closes.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startSimulator } from '@mpstack/simulators';

const ingress = createServer((_req, res) => res.end('success'));
await new Promise<void>((resolve) => ingress.listen(0, '127.0.0.1', resolve));
const account = {
  id: 'bench',
  appId: 'wxbench0000000001',
  appSecret: 'bench-secret-0123456789abcdef012345',
  token: 'benchtoken',
  mode: 'plain' as const,
  templateIds: ['tmpl-bench'],
  users: [{ openid: 'o-bench-follower' }],
};
const sim = await startSimulator({
  accounts: [account],
  port: 0,
  ingressBaseUrl: `http://127.0.0.1:${(ingress.address() as AddressInfo).port}`,
  limits: { templateDailyQuota: 1e12 },
});
process.stdout.write(`${JSON.stringify({ url: sim.url, appId: account.appId, secret: account.appSecret })}\n`);
process.stdin.resume();
process.stdin.on('end', () => {
  void sim.close().then(() => ingress.close(() => process.exit(0)));
});
