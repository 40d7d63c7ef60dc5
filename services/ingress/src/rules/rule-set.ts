import type { Reply, WxMessage } from '@mpstack/common/wechat';
import type { FastPathDecision, ReplyRule } from './rule.types.js';

interface PatternRule {
  readonly rule: ReplyRule;
  readonly test: (text: string) => boolean;
}

/**
 * One account's rules compiled for matching: exact keywords in a map, `contains` and
 * `regex` rules in priority order. Matching is case-insensitive and ignores surrounding
 * white space, like WeChat's own keyword auto-reply.
 */
export class RuleSet {
  private readonly exact = new Map<string, ReplyRule>();
  private readonly patterns: PatternRule[] = [];
  private readonly subscribeRule: ReplyRule | undefined;
  private readonly defaultRule: ReplyRule | undefined;

  constructor(rules: readonly ReplyRule[]) {
    const byPriority = [...rules].sort((a, b) => b.priority - a.priority || a.id - b.id);
    this.subscribeRule = byPriority.find((rule) => rule.enabled && rule.kind === 'subscribe');
    this.defaultRule = byPriority.find((rule) => rule.enabled && rule.kind === 'default');
    for (const rule of byPriority) {
      if (!rule.enabled || rule.kind !== 'keyword' || rule.keyword === undefined || rule.keyword === '') continue;
      const keyword = normalize(rule.keyword);
      if (rule.matchType === 'exact') {
        if (!this.exact.has(keyword)) this.exact.set(keyword, rule);
      } else if (rule.matchType === 'contains') {
        this.patterns.push({ rule, test: (text) => text.includes(keyword) });
      } else {
        const regex = new RegExp(rule.keyword, 'iu');
        this.patterns.push({ rule, test: (text) => regex.test(text) });
      }
    }
  }

  /** The keyword rule matching a text (exact first, then patterns by priority). */
  matchKeyword(text: string): ReplyRule | undefined {
    const normalized = normalize(text);
    const exact = this.exact.get(normalized);
    if (exact !== undefined) return exact;
    for (const pattern of this.patterns) if (pattern.test(normalized)) return pattern.rule;
    return undefined;
  }

  decide(message: WxMessage): FastPathDecision {
    switch (message.kind) {
      case 'text':
        return this.replyOr(this.matchKeyword(message.content), message.kind);
      case 'event':
        return this.decideEvent(message);
      case 'unknown':
        return { reply: undefined, forward: true, decidedBy: 'unknown-type' };
      default:
        return this.replyOr(undefined, message.kind);
    }
  }

  private decideEvent(message: Extract<WxMessage, { kind: 'event' }>): FastPathDecision {
    if (message.event === 'subscribe') {
      return { reply: this.subscribeRule?.reply, forward: true, decidedBy: ruleName(this.subscribeRule, 'subscribe') };
    }
    if (message.event === 'CLICK' && 'eventKey' in message && typeof message.eventKey === 'string') {
      const rule = this.exact.get(normalize(message.eventKey));
      if (rule !== undefined) return { reply: rule.reply, forward: false, decidedBy: ruleName(rule, 'click') };
    }
    return { reply: undefined, forward: true, decidedBy: `event:${message.event}` };
  }

  /** A keyword hit is answered here alone; anything else goes to the workers too. */
  private replyOr(rule: ReplyRule | undefined, kind: string): FastPathDecision {
    if (rule !== undefined) return { reply: rule.reply, forward: false, decidedBy: ruleName(rule, 'keyword') };
    const reply: Reply | undefined = this.defaultRule?.reply;
    return { reply, forward: true, decidedBy: ruleName(this.defaultRule, `no-rule:${kind}`) };
  }
}

function normalize(text: string): string {
  return text.trim().toLowerCase();
}

function ruleName(rule: ReplyRule | undefined, fallback: string): string {
  return rule === undefined ? fallback : `rule:${rule.id}`;
}
