import { randomBytes } from 'node:crypto';
import type { AccountSource } from '../../src/accounts/account.types.js';
import type { ReplyRule } from '../../src/rules/rule.types.js';

/** A random EncodingAESKey: 43 base64 characters (32 bytes without the trailing `=`). */
export function randomAesKey(): string {
  return randomBytes(32).toString('base64').slice(0, 43);
}

/** An account as the tests know it: what the ingress loads plus the `gh_` id messages go to. */
export interface TestAccount extends AccountSource {
  readonly originalId: string;
}

function account(id: string, mode: AccountSource['encryptMode'], previous?: string): TestAccount {
  return {
    id,
    appId: `wx${randomBytes(8).toString('hex')}`,
    token: `token${randomBytes(6).toString('hex')}`,
    encryptMode: mode,
    encodingAesKey: mode === 'plain' ? undefined : randomAesKey(),
    previousEncodingAesKey: previous,
    originalId: `gh_${id}`,
  };
}

/** One account per encryption mode; the safe one has a previous key (a rotation in progress). */
export function testAccounts(): {
  readonly plain: TestAccount;
  readonly safe: TestAccount;
  readonly compat: TestAccount;
} {
  return {
    plain: account('plain', 'plain'),
    safe: account('safe', 'safe', randomAesKey()),
    compat: account('compat', 'compatible'),
  };
}

let nextRuleId = 1;

/** A rule as the database would return it. */
export function rule(accountId: string, fields: Partial<ReplyRule> & Pick<ReplyRule, 'kind' | 'reply'>): ReplyRule {
  return {
    id: nextRuleId++,
    accountId,
    matchType: 'exact',
    keyword: undefined,
    priority: 0,
    enabled: true,
    ...fields,
  };
}

export const hello = { keyword: '你好', reply: '你好！这里是测试号' } as const;
export const emoji = { keyword: '😀𠮷', reply: '收到 😀𠮷，谢谢' } as const;
export const welcome = '欢迎关注 🎉';

/** The same rules for every test account: two keywords (one all 4-byte UTF-8) and a subscribe reply. */
export function testRules(accountId: string): readonly ReplyRule[] {
  return [
    rule(accountId, { kind: 'keyword', keyword: hello.keyword, reply: { type: 'text', content: hello.reply } }),
    rule(accountId, { kind: 'keyword', keyword: emoji.keyword, reply: { type: 'text', content: emoji.reply } }),
    rule(accountId, { kind: 'subscribe', reply: { type: 'text', content: welcome } }),
  ];
}
