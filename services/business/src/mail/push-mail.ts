import type { Logger } from '@mpstack/common/logging';
import nodemailer, { type Transporter } from 'nodemailer';
import type { PushJob } from '../pushes/push.types.js';

export interface MailSettings {
  /** `smtp://user:pass@host:port` (MPSTACK_SMTP_URL); none: no e-mail, a log line instead. */
  readonly smtpUrl: string | undefined;
  /** The operator's address (MPSTACK_OPERATOR_EMAIL). */
  readonly to: string | undefined;
  readonly from: string;
}

/**
 * Where the push e-mail sends the operator for a push's failure report: through the console
 * when its URL is known (`<console>api/outbound/pushes/<id>/failures.csv`, the same download as
 * the pushes page's, behind sign-in and permissions: the report holds openids), else this
 * service's own `/api/pushes/<id>/failures.csv` at its public URL, else at its listen address.
 */
export function failureReportUrl(
  links: { readonly consoleUrl: string | undefined; readonly publicUrl: string | undefined; readonly listen: string },
  pushId: number,
): string {
  if (links.consoleUrl !== undefined) {
    return new URL(`api/outbound/pushes/${pushId}/failures.csv`, withSlash(links.consoleUrl)).href;
  }
  return `${(links.publicUrl ?? links.listen).replace(/\/+$/, '')}/api/pushes/${pushId}/failures.csv`;
}

function withSlash(url: string): string {
  return url.endsWith('/') ? url : `${url}/`;
}

/** The e-mail an operator gets when a push finishes: its figures, and where the failure report is. */
export function pushFinishedMail(push: PushJob, counts: Readonly<Record<string, number>>, reportUrl: string) {
  const seconds = push.startedAt === null || push.finishedAt === null ? 0 : (push.finishedAt - push.startedAt) / 1000;
  const rate = seconds > 0 ? Math.round((push.sent + push.failed) / seconds) : 0;
  const notSent = push.total - push.sent - push.failed;
  const lines = [
    `Push #${push.id} "${push.name}" (${push.account}, template ${push.templateId}) ${push.state}.`,
    '',
    `Recipients: ${push.total}`,
    `Sent (accepted by WeChat): ${push.sent}`,
    `Failed: ${push.failed}`,
    ...(notSent > 0 ? [`Not sent: ${notSent}`] : []),
    `Receipts so far: ${
      Object.entries(counts)
        .filter(([key]) => key.startsWith('receipt:'))
        .map(([key, n]) => `${key.slice(8)} ${n}`)
        .join(', ') || 'none yet'
    }`,
    `Duration: ${seconds.toFixed(0)} s (${rate} sends/s)`,
    '',
    `Failure report (CSV): ${reportUrl}`,
  ];
  return {
    subject: `[mpstack] push #${push.id} ${push.name}: ${push.sent} sent, ${push.failed} failed`,
    text: lines.join('\n'),
  };
}

/** Sends the finish e-mail through SMTP with nodemailer (one transport, pooled). */
export class PushMailer {
  private readonly transport: Transporter | undefined;

  constructor(
    private readonly settings: MailSettings,
    private readonly logger: Logger,
  ) {
    this.transport =
      settings.smtpUrl === undefined || settings.to === undefined
        ? undefined
        : nodemailer.createTransport(settings.smtpUrl);
  }

  async send(mail: { readonly subject: string; readonly text: string }): Promise<void> {
    if (this.transport === undefined) {
      this.logger.info(
        { subject: mail.subject },
        'push finished (no MPSTACK_SMTP_URL / MPSTACK_OPERATOR_EMAIL: no e-mail)',
      );
      return;
    }
    await this.transport.sendMail({ from: this.settings.from, to: this.settings.to, ...mail });
  }

  close(): void {
    this.transport?.close();
  }
}
