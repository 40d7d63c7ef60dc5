import type { Reply } from '@mpstack/common/wechat';

/** A kefu message accepted by `/cgi-bin/message/custom/send`, as the user's phone shows it. */
export interface InboxMessage {
  /** Increasing per store; the phone page polls with `since=<seq>`. */
  readonly seq: number;
  readonly at: number;
  readonly msgtype: string;
  /** The request body minus `touser` (e.g. `{ msgtype: 'text', text: { content } }`). */
  readonly body: Readonly<Record<string, unknown>>;
}

/** What the user did: a text (`kind: 'text'`) or an action the chat shows as a line (a follow, a menu tap…). */
export interface UserEntry {
  readonly from: 'user';
  readonly kind: 'text' | 'action';
  readonly text: string;
  /** The phone's id for a message it already shows, so it does not show it twice. */
  readonly clientId?: string;
}

/** The account's passive reply, in the HTTP response to the user's message. */
export interface ReplyEntry {
  readonly from: 'account';
  readonly via: 'reply';
  readonly reply: Reply;
}

/** A customer-service message the account sent later. */
export interface KefuEntry {
  readonly from: 'account';
  readonly via: 'kefu';
  readonly msgtype: string;
  readonly body: Readonly<Record<string, unknown>>;
}

/** A grey line WeChat (or the simulator, `tone: 'debug'`) shows: the failure text, the deliveries. */
export interface SystemEntry {
  readonly from: 'system';
  readonly text: string;
  readonly tone: 'info' | 'error' | 'debug';
  readonly detail?: string;
}

export type ChatContent = UserEntry | ReplyEntry | KefuEntry | SystemEntry;
export type ChatEntry = ChatContent & { readonly seq: number; readonly at: number };

/**
 * The conversation of each user with each account, in order: what the user sent, the passive
 * replies, the customer-service messages. The phone page shows it and reloads it whole.
 */
export class ChatStore {
  private seq = 0;
  private readonly chats = new Map<string, ChatEntry[]>();

  append(appId: string, openid: string, at: number, content: ChatContent): ChatEntry {
    this.seq += 1;
    const entry: ChatEntry = { ...content, seq: this.seq, at };
    const key = `${appId}:${openid}`;
    const chat = this.chats.get(key) ?? [];
    chat.push(entry);
    this.chats.set(key, chat);
    return entry;
  }

  /** Adds a customer-service message (the request body minus `touser`). */
  deliverKefu(appId: string, openid: string, at: number, body: Readonly<Record<string, unknown>>): ChatEntry {
    return this.append(appId, openid, at, { from: 'account', via: 'kefu', msgtype: String(body.msgtype), body });
  }

  /** The whole conversation after `sinceSeq`. */
  list(appId: string, openid: string, sinceSeq = 0): readonly ChatEntry[] {
    return (this.chats.get(`${appId}:${openid}`) ?? []).filter((entry) => entry.seq > sinceSeq);
  }

  /** Every entry of the account's conversations with its user, in the order they happened. */
  entriesOf(appId: string): readonly { readonly openid: string; readonly entry: ChatEntry }[] {
    const prefix = `${appId}:`;
    const found: { openid: string; entry: ChatEntry }[] = [];
    for (const [key, chat] of this.chats) {
      if (!key.startsWith(prefix)) continue;
      const openid = key.slice(prefix.length);
      for (const entry of chat) found.push({ openid, entry });
    }
    return found.sort((a, b) => a.entry.seq - b.entry.seq);
  }

  /** Only the customer-service messages after `sinceSeq` (the inbox of `/_sim/…/inbox`). */
  inbox(appId: string, openid: string, sinceSeq = 0): readonly InboxMessage[] {
    return this.list(appId, openid, sinceSeq).flatMap((entry) =>
      entry.from === 'account' && entry.via === 'kefu'
        ? [{ seq: entry.seq, at: entry.at, msgtype: entry.msgtype, body: entry.body }]
        : [],
    );
  }

  reset(): void {
    this.seq = 0;
    this.chats.clear();
  }
}
