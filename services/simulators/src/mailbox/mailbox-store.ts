import { type ParsedMail, parseMail } from './mime.js';

export interface StoredMail extends ParsedMail {
  /** 1, 2, 3 … in arrival order. */
  readonly id: number;
  /** ms since the epoch. */
  readonly receivedAt: number;
  /** The SMTP envelope (MAIL FROM, RCPT TO), which may differ from the headers. */
  readonly envelopeFrom: string;
  readonly envelopeTo: readonly string[];
  readonly bytes: number;
}

export interface MailboxOptions {
  /** Mails kept; the oldest go first (default 200). */
  readonly capacity?: number;
  readonly clock?: () => number;
}

/**
 * What the simulator's SMTP server received, in memory and bounded (the newest `capacity`
 * mails): the mailbox page of `mpstack dev` shows what the platform sent.
 */
export class Mailbox {
  private readonly mails: StoredMail[] = [];
  private nextId = 1;
  private readonly capacity: number;
  private readonly clock: () => number;
  /**
   * "Send today's summary now" (the mailbox page's button): set by whoever runs the log
   * service in the same process (`mpstack dev`); the button is hidden without it.
   */
  sendSummary: (() => Promise<string>) | undefined;

  constructor(options: MailboxOptions = {}) {
    this.capacity = options.capacity ?? 200;
    this.clock = options.clock ?? Date.now;
  }

  receive(raw: Buffer, envelope: { readonly from: string; readonly to: readonly string[] }): StoredMail {
    const mail: StoredMail = {
      ...parseMail(raw),
      id: this.nextId,
      receivedAt: this.clock(),
      envelopeFrom: envelope.from,
      envelopeTo: [...envelope.to],
      bytes: raw.length,
    };
    this.nextId += 1;
    this.mails.push(mail);
    if (this.mails.length > this.capacity) this.mails.splice(0, this.mails.length - this.capacity);
    return mail;
  }

  /** Newest first. */
  list(): readonly StoredMail[] {
    return [...this.mails].reverse();
  }

  get(id: number): StoredMail | undefined {
    return this.mails.find((mail) => mail.id === id);
  }

  clear(): void {
    this.mails.splice(0);
  }
}
