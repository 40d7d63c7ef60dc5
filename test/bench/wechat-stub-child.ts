/**
 * A WeChat stub in a process of its own for `make bench-wechat-client` with
 * `BENCH_WECHAT_PEER=stub`: answers `stable_token` with a token and every other call with
 * `{ errcode: 0, msgid }` and nothing else — no account, no receipt pushed — so the peer costs
 * little and the client's own CPU per send is what the run measures, not the simulator's pace.
 * Prints `{ url, appId, secret }` and runs until stdin closes.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

let msgid = 2_000_000_000_000_000_000n;
const server = createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    msgid += 1n;
    const body = req.url?.startsWith('/cgi-bin/stable_token')
      ? '{"access_token":"stub-token-0123456789","expires_in":7200}'
      : `{"errcode":0,"errmsg":"ok","msgid":${msgid.toString()}}`;
    res.writeHead(200, { 'content-type': 'application/json' }).end(body);
  });
});
server.keepAliveTimeout = 60_000;
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
process.stdout.write(`${JSON.stringify({ url, appId: 'wxstub0000000001', secret: 'stub-secret' })}\n`);
process.stdin.resume();
process.stdin.on('end', () => server.close(() => process.exit(0)));
