/** A kefu message accepted by `/cgi-bin/message/custom/send`, as the user's phone shows it. */
export interface InboxMessage {
  /** Increasing per store; the phone page polls with `since=<seq>`. */
  readonly seq: number;
  readonly at: number;
  readonly msgtype: string;
  /** The request body minus `touser` (e.g. `{ msgtype: 'text', text: { content } }`). */
  readonly body: Readonly<Record<string, unknown>>;
}

/** The customer-service messages each user of each account has received. */
export class InboxStore {
  private seq = 0;
  private readonly inboxes = new Map<string, InboxMessage[]>();

  deliver(appId: string, openid: string, at: number, body: Readonly<Record<string, unknown>>): InboxMessage {
    this.seq += 1;
    const message: InboxMessage = { seq: this.seq, at, msgtype: String(body.msgtype), body };
    const key = `${appId}:${openid}`;
    const inbox = this.inboxes.get(key) ?? [];
    inbox.push(message);
    this.inboxes.set(key, inbox);
    return message;
  }

  list(appId: string, openid: string, sinceSeq = 0): readonly InboxMessage[] {
    return (this.inboxes.get(`${appId}:${openid}`) ?? []).filter((message) => message.seq > sinceSeq);
  }

  reset(): void {
    this.seq = 0;
    this.inboxes.clear();
  }
}
