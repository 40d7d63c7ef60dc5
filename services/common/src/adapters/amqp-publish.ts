import type { ConfirmChannel, Options } from 'amqplib';
import { AppError, ErrorCode } from '../errors/app-error.js';
import { PublishInDoubtError } from '../ports/queue.js';

/**
 * Publishes on a confirm channel and settles on the broker's answer: resolves on ack,
 * rejects (`unavailable`) on nack, on a closed channel, or when no confirm arrived within
 * `timeoutMs` (broker blocked by a resource alarm, connection silently dead) — so the
 * caller can spool instead of outliving WeChat's 5 s budget. A timeout rejects with
 * {@link PublishInDoubtError}, whose `confirmation` carries the broker's late answer.
 */
export function confirmedPublish(
  publisher: ConfirmChannel,
  target: { readonly exchange: string; readonly routingKey: string },
  body: Buffer,
  properties: Options.Publish,
  timeoutMs: number,
): Promise<void> {
  let answer: (isConfirmed: boolean) => void = () => undefined;
  const confirmation = new Promise<boolean>((resolve) => {
    answer = resolve;
  });
  return new Promise<void>((resolve, reject) => {
    const fail = (cause: unknown, message: string): void => {
      clearTimeout(timer);
      reject(new AppError(ErrorCode.unavailable, message, { cause }));
    };
    const timer = setTimeout(
      () => reject(new PublishInDoubtError(`publish not confirmed within ${timeoutMs} ms`, confirmation)),
      timeoutMs,
    );
    try {
      publisher.publish(target.exchange, target.routingKey, body, properties, (error: unknown) => {
        const isConfirmed = error === null || error === undefined;
        answer(isConfirmed);
        if (isConfirmed) {
          clearTimeout(timer);
          resolve();
        } else {
          fail(error, 'publish not confirmed by the broker');
        }
      });
    } catch (error) {
      answer(false);
      fail(error, 'publish failed: channel closed');
    }
  });
}

/** The AMQP properties for a port publish: persistent, optional id and content type. */
export function publishProperties(
  messageId: unknown,
  contentType: unknown,
  headers: Readonly<Record<string, unknown>> | undefined,
): Options.Publish {
  return {
    persistent: true,
    ...(typeof messageId === 'string' ? { messageId } : {}),
    ...(typeof contentType === 'string' ? { contentType } : {}),
    headers: { ...headers },
  };
}
