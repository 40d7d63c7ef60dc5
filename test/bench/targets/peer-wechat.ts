// Peer: the `wechat` npm package (node-webot, the most used Node SDK) as express middleware,
// safe mode, text → text reply, exactly as its README shows.
import { createRequire } from 'node:module';
import express from 'express';
import { benchAccount, benchReplyText } from '../bench-account.js';

const require = createRequire(import.meta.url);
type Reply = { reply(content: string): void };
const wechat = require('wechat') as (
  config: { token: string; appid: string; encodingAESKey: string },
  handler: (request: unknown, response: Reply) => void,
) => express.RequestHandler;

const port = Number(process.argv[2] ?? '0');
const app = express();
app.use(
  '/wx/bench',
  wechat(
    { token: benchAccount.token, appid: benchAccount.appId, encodingAESKey: benchAccount.encodingAesKey },
    (_req, res) => {
      res.reply(benchReplyText);
    },
  ),
);
app.listen(port, '127.0.0.1', () => process.send?.('ready'));
