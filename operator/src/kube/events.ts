/**
 * Kubernetes Events (core/v1) about a `WeChatPlatform`, so `kubectl describe` tells why the
 * operator did or refused something. The same reason and message for the same object is
 * recorded once per `repeatWindowMs`: a level-triggered reconciler sees an invalid spec on
 * every pass, and an Event per pass would be a write per pass.
 */
import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import type { OperatorLogger } from './logger.js';

export const EventType = { Normal: 'Normal', Warning: 'Warning' } as const;
export type EventType = (typeof EventType)[keyof typeof EventType];

/** The object an Event is about. */
export interface EventSubject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: { readonly name: string; readonly namespace: string; readonly uid: string };
}

export interface EventRecorder {
  /** Records an Event; failures are logged, never thrown (an Event is not worth a retry). */
  record(subject: EventSubject, type: EventType, reason: string, message: string): Promise<void>;
}

export interface EventRecorderOptions {
  readonly kubeConfig: KubeConfig;
  readonly component: string;
  readonly clock: () => number;
  readonly logger: OperatorLogger;
  readonly repeatWindowMs?: number;
}

/** An Event recorder writing core/v1 Events. */
export function createEventRecorder(options: EventRecorderOptions): EventRecorder {
  const api = options.kubeConfig.makeApiClient(CoreV1Api);
  const lastSeen = new Map<string, number>();
  const window = options.repeatWindowMs ?? 10 * 60_000;
  let sequence = 0;
  return {
    async record(subject, type, reason, message) {
      const now = options.clock();
      const key = `${subject.metadata.uid}/${type}/${reason}/${message}`;
      const last = lastSeen.get(key);
      if (last !== undefined && now - last < window) return;
      lastSeen.set(key, now);
      sequence += 1;
      const { name, namespace, uid } = subject.metadata;
      const time = new Date(now);
      try {
        await api.createNamespacedEvent({
          namespace,
          body: {
            metadata: { name: `${name}.${now.toString(16)}${sequence.toString(16)}`, namespace },
            involvedObject: { apiVersion: subject.apiVersion, kind: subject.kind, name, namespace, uid },
            type,
            reason,
            message,
            source: { component: options.component },
            firstTimestamp: time,
            lastTimestamp: time,
            count: 1,
          },
        });
      } catch (error) {
        options.logger.warn({ reason, err: String(error) }, 'could not record an Event');
      }
    },
  };
}
