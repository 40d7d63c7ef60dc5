import { invalidationChannels } from '@mpstack/common/contracts';
import type { Db } from '@mpstack/common/db';
import { type Actor, announce, type WriteDeps } from '../accounts/accounts.service.js';
import { ApiFailure } from '../api-error.js';
import { createRulesRepository, ruleProblems } from './rules.repository.js';
import type { ReplyRule, ReplyRuleInput } from './rules.types.js';

export interface RulesService {
  list(accountId: string): Promise<ReplyRule[]>;
  /** A new rule of an existing account (`not_found` otherwise). */
  create(input: ReplyRuleInput, by: Actor): Promise<ReplyRule>;
  /** Replaces a rule's content (its account stays); `not_found` for an unknown id. */
  update(id: number, input: Omit<ReplyRuleInput, 'accountId'>, by: Actor): Promise<ReplyRule>;
  remove(id: number, by: Actor): Promise<void>;
  /** Inserts or updates by the rule's natural key (seed files). */
  upsert(input: ReplyRuleInput, by: Actor): Promise<ReplyRule>;
}

/**
 * The reply-rule writes: each in one transaction with its audit entry, then announced on the
 * rules channel (every ingress replica drops that account's compiled rules).
 */
export function createRulesService(deps: WriteDeps): RulesService {
  const write = async (by: Actor, action: string, change: (trx: Db) => Promise<RuleChange>) => {
    const result = await deps.db.transaction().execute(async (trx) => {
      const changed = await change(trx);
      const rule = changed.after ?? changed.before;
      if (rule === undefined) throw new Error('a rule write changed nothing');
      await deps.audit?.(trx, {
        actor: by.username,
        ip: by.ip,
        action,
        target: `rule:${rule.accountId}/${rule.id}`,
        ...(changed.before === undefined ? {} : { before: auditRule(changed.before) }),
        ...(changed.after === undefined ? {} : { after: auditRule(changed.after) }),
      });
      return { ...changed, rule };
    });
    await announce(deps, invalidationChannels.rules, result.rule.accountId);
    return result.rule;
  };
  return {
    list: (accountId) => createRulesRepository(deps.db).list(accountId),
    create: (input, by) =>
      write(by, 'rules.create', async (trx) => {
        const account = await trx
          .selectFrom('accounts')
          .select('id')
          .where('id', '=', input.accountId)
          .executeTakeFirst();
        if (account === undefined) throw new ApiFailure('not_found', `no account "${input.accountId}"`);
        checked(input);
        return { after: await createRulesRepository(trx).insert(input) };
      }),
    update: (id, input, by) =>
      write(by, 'rules.update', async (trx) => {
        const rules = createRulesRepository(trx);
        const before = found(await rules.find(id), id);
        const next = { ...input, accountId: before.accountId };
        checked(next);
        await rules.update(id, next);
        return { before, after: found(await rules.find(id), id) };
      }),
    remove: async (id, by) => {
      await write(by, 'rules.delete', async (trx) => {
        const rules = createRulesRepository(trx);
        const before = found(await rules.find(id), id);
        await rules.delete(id);
        return { before };
      });
    },
    upsert: (input, by) =>
      write(by, 'rules.seed', async (trx) => {
        const rules = createRulesRepository(trx);
        const existing = await rules.list(input.accountId);
        const after = await rules.upsert(input);
        const before = existing.find((candidate) => candidate.id === after.id);
        return before === undefined ? { after } : { before, after };
      }),
  };
}

interface RuleChange {
  readonly before?: ReplyRule;
  readonly after?: ReplyRule;
}

function checked(input: ReplyRuleInput): void {
  const problems = ruleProblems(input);
  if (problems.length > 0) throw new ApiFailure('invalid_request', problems.join('; '), { problems });
}

function found(rule: ReplyRule | undefined, id: number): ReplyRule {
  if (rule === undefined) throw new ApiFailure('not_found', `no rule ${id}`);
  return rule;
}

function auditRule(rule: ReplyRule) {
  const { createdAt: _created, updatedAt: _updated, ...rest } = rule;
  return rest;
}
