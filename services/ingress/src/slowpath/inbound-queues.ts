import { hash } from 'node:crypto';
import type { QueueDeclaration } from '@mpstack/common';

export const inboundDeadLetterQueue = 'mpstack.inbound.dead';

export function inboundQueueName(partition: number): string {
  return `mpstack.inbound.p${partition}`;
}

/** Every partition queue with its dead-letter queue, for `QueuePort.declare`. */
export function inboundQueues(partitions: number): QueueDeclaration[] {
  return Array.from({ length: partitions }, (_, i) => ({
    name: inboundQueueName(i),
    deadLetterQueue: inboundDeadLetterQueue,
  }));
}

/**
 * The partition of a user: a stable hash of the openid, so one user's messages are
 * consumed in order by one worker at a time while users spread evenly.
 */
export function partitionOf(openId: string, partitions: number): number {
  if (partitions <= 1) return 0;
  return hash('md5', openId, 'buffer').readUInt32BE(0) % partitions;
}
