/**
 * `@mpstack/operator`: the Kubernetes operator for the `WeChatPlatform` custom resource
 * (docs/architecture.md §7). `runOperator` is what `mpstack run operator` starts; the rest is
 * exported for tools and tests that compose the pieces differently.
 */

// The CRD's types win where the scaling module has structurally identical ones of its own.
export type { ConditionType, ScalingPolicy, ScalingRules, SelectPolicy } from './api/v1alpha1.js';
export * from './api/v1alpha1.js';
export { type SpecValidation, validateSpec } from './api/validation.js';
export { type BackoffOptions, backoffDelay } from './kube/backoff.js';
export { isConflict, isNotFound, retryOnConflict, statusOf } from './kube/errors.js';
export { createEventRecorder, type EventRecorder, EventType } from './kube/events.js';
export { createInformer, InformerEvent, type InformerOptions, type ManagedInformer } from './kube/informer.js';
export { type OperatorLogger, silentLogger } from './kube/logger.js';
export { createObjectClient, type ObjectClient, type ObjectRef } from './kube/objects.js';
export { type ProcessResult, WorkQueue } from './kube/work-queue.js';
export * from './local/index.js';
export { type RunningOperator, type RunOperatorOptions, runOperator } from './main.js';
export * from './metrics/index.js';
export * from './mysql/index.js';
export * from './reconcile/announced-pushes.js';
export type { DesiredResources, ReconcilerDeps, RequestRateSource } from './reconcile/ports.js';
export { type ReconcileResult, Reconciler } from './reconcile/reconciler.js';
export * from './scaling/index.js';
export * from './service.js';
