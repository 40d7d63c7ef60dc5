/** A kefu message accepted by `/cgi-bin/message/custom/send`, as the user's phone shows it. */
export interface InboxMessage {
  /** Increasing per store; the phone page polls with `since=<seq>`. */
  readonly seq: number;
  readonly at: number;
  readonly msgtype: string;
  /** The request body minus `touser` (e.g. `{ msgtype: 'text', text: { content } }`). */
  readonly body: Readonly<Record<string, unknown>>;
}

/** Outcome of pushing a job-finish event (`TEMPLATESENDJOBFINISH`, `MASSSENDJOBFINISH`) to the account. */
export type CallbackState = 'pending' | 'delivered' | 'failed' | 'skipped';

/** One accepted template send and what happened to its delivery event. */
export interface TemplateSendRecord {
  readonly msgid: number;
  readonly appId: string;
  readonly openid: string;
  readonly templateId: string;
  readonly request: Readonly<Record<string, unknown>>;
  readonly at: number;
  /** The `Status` the delivery event carries. */
  readonly status: 'success' | 'failed:user block';
  callback: CallbackState;
  /** HTTP statuses of the callback deliveries (empty while pending or when skipped). */
  callbackStatuses: readonly (number | null)[];
}

/** One accepted mass send. */
export interface MassSendRecord {
  readonly msgId: number;
  readonly msgDataId: number;
  readonly appId: string;
  readonly clientmsgid: string | undefined;
  readonly msgtype: string;
  readonly touser: readonly string[];
  readonly at: number;
  /** What the `MASSSENDJOBFINISH` push reports (see mass.router.ts for how they are counted). */
  readonly result: MassSendResult;
  callback: CallbackState;
  /** HTTP statuses of the callback deliveries (empty while pending or when skipped). */
  callbackStatuses: readonly (number | null)[];
}

/** The counts of a finished mass send, as `MASSSENDJOBFINISH` carries them. */
export interface MassSendResult {
  readonly status: 'sendsuccess' | 'sendfail';
  readonly totalCount: number;
  readonly filterCount: number;
  readonly sentCount: number;
  readonly errorCount: number;
}

/** Kefu inboxes, template sends and mass sends of every account. */
export class MessageStore {
  private seq = 0;
  private readonly inboxes = new Map<string, InboxMessage[]>();
  private readonly templates: TemplateSendRecord[] = [];
  private readonly masses: MassSendRecord[] = [];

  deliverToInbox(appId: string, openid: string, at: number, body: Readonly<Record<string, unknown>>): InboxMessage {
    this.seq += 1;
    const message: InboxMessage = { seq: this.seq, at, msgtype: String(body.msgtype), body };
    const key = `${appId}:${openid}`;
    const inbox = this.inboxes.get(key) ?? [];
    inbox.push(message);
    this.inboxes.set(key, inbox);
    return message;
  }

  inbox(appId: string, openid: string, sinceSeq = 0): readonly InboxMessage[] {
    return (this.inboxes.get(`${appId}:${openid}`) ?? []).filter((message) => message.seq > sinceSeq);
  }

  addTemplateSend(record: TemplateSendRecord): void {
    this.templates.push(record);
  }

  templateSends(appId?: string): readonly TemplateSendRecord[] {
    return this.templates.filter((record) => appId === undefined || record.appId === appId);
  }

  addMassSend(record: MassSendRecord): void {
    this.masses.push(record);
  }

  massSends(appId?: string): readonly MassSendRecord[] {
    return this.masses.filter((record) => appId === undefined || record.appId === appId);
  }

  reset(): void {
    this.seq = 0;
    this.inboxes.clear();
    this.templates.length = 0;
    this.masses.length = 0;
  }
}
