import { invalidationChannels } from '@mpstack/common/contracts';
import { type Actor, announce, type WriteDeps } from '../accounts/accounts.service.js';
import { createRulesRepository } from './rules.repository.js';
import type { ReplyRule, ReplyRuleInput } from './rules.types.js';

export interface RulesService {
  list(accountId: string): Promise<ReplyRule[]>;
  /** Inserts or updates by the rule's natural key (seed files). */
  upsert(input: ReplyRuleInput, by: Actor): Promise<ReplyRule>;
}

/**
 * The reply-rule writes: each in one transaction with its audit entry, then announced on the
 * rules channel (every ingress replica drops that account's compiled rules).
 */
export function createRulesService(deps: WriteDeps): RulesService {
  return {
    list: (accountId) => createRulesRepository(deps.db).list(accountId),
    async upsert(input, by) {
      const rule = await deps.db.transaction().execute(async (trx) => {
        const rules = createRulesRepository(trx);
        const existing = await rules.list(input.accountId);
        const upserted = await rules.upsert(input);
        const before = existing.find((candidate) => candidate.id === upserted.id);
        await deps.audit?.(trx, {
          actor: by.username,
          ip: by.ip,
          action: 'rules.seed',
          target: `rule:${input.accountId}/${upserted.id}`,
          ...(before === undefined ? {} : { before: auditRule(before) }),
          after: auditRule(upserted),
        });
        return upserted;
      });
      await announce(deps, invalidationChannels.rules, input.accountId);
      return rule;
    },
  };
}

function auditRule(rule: ReplyRule) {
  const { createdAt: _created, updatedAt: _updated, ...rest } = rule;
  return rest;
}
