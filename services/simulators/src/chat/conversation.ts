import type { Request } from 'express';
import type { SimulatorState } from '../simulator-state.js';
import type { SimAccount } from '../types.js';

/** `since=<seq>` of a polling request; 0 when absent or not a number. */
export function sinceOf(req: Request): number {
  const since = Number(req.query.since ?? 0);
  return Number.isFinite(since) ? since : 0;
}

/** A user's conversation after `since` and their follow state (`user` null for an openid the account never saw). */
export function conversationOf(state: SimulatorState, account: SimAccount, openid: string, since: number) {
  const user = state.audience.get(account.appId, openid);
  return {
    user: user === undefined ? null : { openid, nickname: user.nickname, isSubscribed: user.isSubscribed },
    entries: state.chatOf(account.appId, openid, since),
  };
}
