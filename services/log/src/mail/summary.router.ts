import { AppError, ErrorCode } from '@mpstack/common/errors';
import type { Express } from 'express';
import { z } from 'zod';
import type { SummaryMailer } from './summary-mailer.js';

const sendBody = z.object({ day: z.enum(['today', 'yesterday']).default('today') }).strict();

/**
 * `POST /summary/send` `{ day: 'today' | 'yesterday' }` → `{ date, messageId, subject }`: the
 * summary sent now to the configured recipients, outside the daily schedule (a demo, or a
 * re-send after fixing the SMTP settings). 409 when no SMTP server or recipient is set.
 */
export function summaryRoutes(mailer: SummaryMailer | undefined): (app: Express) => void {
  return (app) => {
    app.post('/summary/send', async (req, res) => {
      const parsed = sendBody.safeParse(req.body ?? {});
      if (!parsed.success) {
        throw new AppError(
          ErrorCode.badRequest,
          `invalid body: ${parsed.error.issues.map((i) => i.message).join('; ')}`,
        );
      }
      if (mailer === undefined) {
        throw new AppError(
          ErrorCode.conflict,
          'no summary e-mail configured: set MPSTACK_SMTP_URL and MPSTACK_SUMMARY_TO',
        );
      }
      try {
        res.json(await mailer.sendNow(parsed.data.day));
      } catch (error) {
        throw new AppError(
          ErrorCode.unavailable,
          `the summary could not be sent: ${error instanceof Error ? error.message : String(error)}`,
          { cause: error },
        );
      }
    });
  };
}
