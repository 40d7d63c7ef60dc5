import type { Request, Response, Router } from 'express';
import type { SimulatorState } from '../simulator-state.js';
import type { SimAccount } from '../types.js';

function fail(res: Response, status: number, code: string, message: string): void {
  res.status(status).json({ error: { code, message } });
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/**
 * What the kf accounts' humans do in WeChat, which the simulator has no client for:
 * `POST /_sim/accounts/:account/kf-accounts/:kfAccount` `{ invite?: 'accept' | 'reject',
 * isOnline?: boolean }` — the invited user answers a waiting invitation (409 when none waits),
 * the agent goes offline or back online. Answers the account as getkflist lists it.
 */
export function addKfControls(
  router: Router,
  state: SimulatorState,
  accountOf: (req: Request, res: Response) => SimAccount | undefined,
): void {
  router.post('/_sim/accounts/:account/kf-accounts/:kfAccount', (req: Request, res: Response) => {
    const account = accountOf(req, res);
    if (account === undefined) return;
    const kfAccount = String(req.params.kfAccount);
    const record = state.kfAccounts.get(account.appId, kfAccount);
    if (record === undefined) {
      fail(res, 404, 'not_found', `no kf account ${kfAccount}`);
      return;
    }
    const body: unknown = req.body;
    const { invite, isOnline } = isRecord(body) ? body : {};
    if (
      (invite !== undefined && invite !== 'accept' && invite !== 'reject') ||
      !['boolean', 'undefined'].includes(typeof isOnline)
    ) {
      fail(res, 400, 'bad_request', "expected { invite?: 'accept' | 'reject', isOnline?: boolean }");
      return;
    }
    if (invite !== undefined) {
      state.kfAccounts.expireInvites(account.appId, state.clock());
      if (record.invite_status !== 'waiting') {
        fail(res, 409, 'conflict', `no waiting invitation for ${kfAccount}`);
        return;
      }
      state.kfAccounts.answerInvite(record, invite === 'accept');
    }
    if (typeof isOnline === 'boolean') state.kfAccounts.setOnline(account.appId, kfAccount, isOnline);
    res.json({ ...record, isOnline: state.kfAccounts.isOnline(account.appId, kfAccount) });
  });
}
