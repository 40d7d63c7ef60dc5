import type { Request, Response, Router } from 'express';
import type { CallbackDispatcher } from '../callbacks/callback-dispatcher.js';
import type { SimulatorState } from '../simulator-state.js';
import { answerSubscribePopup, type PopupAnswer } from '../subscribe/subscribe.router.js';
import type { SimAccount } from '../types.js';

function fail(res: Response, status: number, code: string, message: string): void {
  res.status(status).json({ error: { code, message } });
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** `{ templateId, status? }` or `{ templateIds: [...], status? }`; status accept by default. */
function answersOf(body: Record<string, unknown>): readonly PopupAnswer[] | undefined {
  const status = body.status ?? 'accept';
  if (status !== 'accept' && status !== 'reject') return undefined;
  const ids = Array.isArray(body.templateIds) ? body.templateIds : [body.templateId];
  if (ids.length === 0 || ids.some((id) => typeof id !== 'string' || id === '')) return undefined;
  return (ids as string[]).map((templateId) => ({ templateId, status }));
}

/**
 * `/_sim` subscribe controls: a follower answering the subscribe popup (what the phone's
 * wx-open-subscribe does: credits for bizsend and the `subscribe_msg_popup_event` push), the
 * credits left, the bizsends.
 */
export function addSubscribeControls(
  router: Router,
  state: SimulatorState,
  callbacks: Pick<CallbackDispatcher, 'pushEvent'>,
  accountOf: (req: Request, res: Response) => SimAccount | undefined,
): void {
  router.post('/_sim/accounts/:account/subscribe-popup', (req: Request, res: Response) => {
    const account = accountOf(req, res);
    if (account === undefined) return;
    const body = isRecord(req.body) ? req.body : {};
    const openid = body.openid;
    if (typeof openid !== 'string' || state.audience.get(account.appId, openid) === undefined) {
      fail(res, 404, 'not_found', `no user ${String(openid)} of ${account.id}`);
      return;
    }
    const answers = answersOf(body);
    const scene = body.scene ?? 1;
    if (answers === undefined || (scene !== 1 && scene !== 2)) {
      fail(
        res,
        400,
        'bad_request',
        'expected { openid, templateId | templateIds, status?: accept|reject, scene?: 1|2 }',
      );
      return;
    }
    const outcome = answerSubscribePopup(
      { subscribe: state.subscribe, clock: state.clock, callbacks },
      account,
      openid,
      answers,
      scene,
    );
    if (typeof outcome === 'string') {
      fail(res, 404, 'not_found', outcome);
      return;
    }
    res.json({
      credits: Object.fromEntries(
        answers.map(({ templateId }) => [templateId, state.subscribe.creditsOf(account.appId, openid, templateId)]),
      ),
      event: outcome.callback,
    });
  });

  router.get('/_sim/accounts/:account/subscribe-sends', (req: Request, res: Response) => {
    const account = accountOf(req, res);
    if (account !== undefined) res.json({ sends: state.subscribe.sendsOf(account.appId) });
  });
}
