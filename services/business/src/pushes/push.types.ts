/** draft → scheduled | running ⇄ paused → completed | cancelled (a scheduled push may be cancelled too). */
export type PushState = 'draft' | 'scheduled' | 'running' | 'paused' | 'completed' | 'cancelled';

export interface PushJob {
  readonly id: number;
  readonly account: string;
  readonly name: string;
  readonly templateId: string;
  readonly fields: Readonly<Record<string, string>>;
  readonly url: string | null;
  /** The upload's variable columns (the openid column excluded); null before the upload. */
  readonly columns: readonly string[] | null;
  readonly state: PushState;
  /** Why it paused (45009, 40001 …) or stopped. */
  readonly stateReason: string | null;
  readonly scheduledAt: number | null;
  readonly total: number;
  readonly sent: number;
  readonly failed: number;
  readonly createdAt: number;
  readonly startedAt: number | null;
  readonly progressAt: number | null;
  readonly finishedAt: number | null;
  readonly notifiedAt: number | null;
}

/** A recipient this worker holds the claim of. */
export interface ClaimedRecipient {
  readonly seq: number;
  readonly openId: string;
  readonly values: readonly string[];
  /** When the send may first have reached WeChat (the start of client_msg_id's window). */
  readonly firstAttemptAt: number;
}

export type SendResult =
  | { readonly seq: number; readonly state: 'sent'; readonly msgid: string }
  | { readonly seq: number; readonly state: 'failed'; readonly errcode: number; readonly errmsg: string };
