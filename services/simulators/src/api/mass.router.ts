import { type Request, type Response, Router } from 'express';
import { numericId } from '../state/ids.js';
import type { SimulatorState } from '../state/simulator-state.js';
import type { ApiRouterDeps } from './api.types.js';
import { authorizedAccount, jsonBody, sendOk } from './api-http.js';
import { WxApiError } from './wx-errors.js';

/** Batch_Sends doc: clientmsgid ≤ 64 bytes; a duplicate is refused for 24 h; retry ≥ 1 min apart. */
export const maxClientMsgIdBytes = 64;
export const clientMsgIdWindowMs = 86_400_000;
export const clientMsgIdRetryMs = 60_000;

/**
 * 45067 too long; within 1 min of the first use 45066 (retry too fast); within 24 h 45065
 * carrying the existing msg id ("返回数据中带有已存在的群发任务的 msgid").
 */
function checkClientMsgId(state: SimulatorState, appId: string, clientmsgid: unknown, now: number): string | undefined {
  if (clientmsgid === undefined || clientmsgid === '') return undefined;
  if (typeof clientmsgid !== 'string' || Buffer.byteLength(clientmsgid) > maxClientMsgIdBytes) {
    throw new WxApiError(45067);
  }
  const key = `${appId}:${clientmsgid}`;
  const earlier = state.massClientIds.find(key, now, clientMsgIdWindowMs);
  if (earlier !== undefined && earlier.ageMs < clientMsgIdRetryMs) throw new WxApiError(45066);
  if (earlier !== undefined) {
    throw new WxApiError(45065, { msgid: earlier.value.msgId, msg_id: earlier.value.msgId });
  }
  return key;
}

/** `POST /cgi-bin/message/mass/send` (by openid list): 2–10 000 openids, 60 requests/min (45011). */
export function createMassRouter({ state, clock }: ApiRouterDeps): Router {
  const router = Router();
  router.post('/cgi-bin/message/mass/send', (req: Request, res: Response) => {
    const account = authorizedAccount(req, state);
    const body = jsonBody(req);
    const now = clock();
    const key = checkClientMsgId(state, account.appId, body.clientmsgid, now);
    if (!state.quota.take(`mass:${account.appId}`, Math.floor(now / 60_000), state.limits.massPerMinute)) {
      throw new WxApiError(45011);
    }
    const touser = body.touser;
    if (!Array.isArray(touser) || touser.length < 2 || touser.length > 10_000) throw new WxApiError(40130);
    if (typeof body.msgtype !== 'string') throw new WxApiError(40008);
    const ids = { msgId: numericId(), msgDataId: numericId() };
    state.messages.addMassSend({
      ...ids,
      appId: account.appId,
      clientmsgid: typeof body.clientmsgid === 'string' ? body.clientmsgid : undefined,
      touser: touser.map(String),
      at: now,
    });
    if (key !== undefined) state.massClientIds.remember(key, ids, now);
    sendOk(res, { msg_id: ids.msgId, msg_data_id: ids.msgDataId }, 'send job submission success');
  });
  return router;
}
