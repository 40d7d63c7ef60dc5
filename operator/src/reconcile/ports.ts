/**
 * What the reconciler needs from the other operator folders, as small ports: the desired
 * objects of a platform (`resources/`), request rates (`metrics/`), the scaling decision
 * (`scaling/`) and the object client (`kube/`). `main.ts` wires the real ones; tests pass
 * fakes (a fake `RequestRateSource` to make a metric missing, for instance).
 */
import type { KubernetesObject } from '@kubernetes/client-node';
import type { ServiceName, WeChatPlatform } from '../api/v1alpha1.js';
import type { SpecValidation } from '../api/validation.js';
import type { EventRecorder } from '../kube/events.js';
import type { OperatorLogger } from '../kube/logger.js';
import type { ObjectClient } from '../kube/objects.js';
import type { RequestRateSource } from '../metrics/request-rate-source.js';
import type { ScaleDecision, ScaleInput } from '../scaling/decide.js';
import type { ScalerState } from '../scaling/scaling.types.js';
import type { ScheduledPushSource } from './announced-pushes.js';
import type { MysqlControl } from './mysql-port.js';
import type { QueueDepthSource } from './queue-depth.js';

export type { RequestRateSource } from '../metrics/request-rate-source.js';

/** The replica count per service and the MySQL writer pod (from status, once chosen). */
import type { DesiredOptions } from '../resources/desired.js';

export type { DesiredOptions };

/** Every object the platform should own, each with its owner reference to the platform. */
export type DesiredResources = (platform: WeChatPlatform, options: DesiredOptions) => readonly KubernetesObject[];

/** The autoscaler's pure decision (`scaling/decideReplicas`). */
export type DecideReplicas = (input: ScaleInput, state: ScalerState) => ScaleDecision;

/** The spec re-check (`api/validateSpec`). */
export type ValidateSpec = (spec: unknown) => SpecValidation;

export interface ReconcilerDeps {
  readonly objects: ObjectClient;
  readonly events: EventRecorder;
  readonly rates: RequestRateSource;
  readonly desiredResources: DesiredResources;
  readonly decideReplicas: DecideReplicas;
  readonly validateSpec: ValidateSpec;
  /** The injected clock, ms since the epoch. */
  readonly clock: () => number;
  readonly logger: OperatorLogger;
  /** The `/metrics` URL of a pod; `http://<podIP>:<port named http, else 8080>/metrics` unless given. */
  readonly metricsUrlOf?: (pod: PodLike) => string | undefined;
  /** The MySQL dual-master round (`spec.mysql.mode: dualMaster`); without it the writer stays as recorded. */
  readonly mysql?: MysqlControl;
  /** The services that get workloads; the catalog's runnable platform services unless given. */
  readonly services?: readonly ServiceName[];
  /** Queue depth for services scaling on a queue (`scaling.queue`); without it they scale on requests only. */
  readonly queueDepth?: QueueDepthSource;
  /** The pushes the business service announces (pre-scaling); without it only the annotation is read. */
  readonly scheduledPushes?: ScheduledPushSource;
}

/** The few fields of a Pod the reconciler reads. */
export interface PodLike extends KubernetesObject {
  readonly spec?: {
    readonly containers?: readonly {
      readonly ports?: readonly { readonly name?: string; readonly containerPort: number }[];
    }[];
  };
  readonly status?: {
    readonly phase?: string;
    readonly podIP?: string;
    readonly conditions?: readonly { readonly type: string; readonly status: string }[];
  };
}
