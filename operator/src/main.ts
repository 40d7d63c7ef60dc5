/**
 * The operator's composition root (docs/conventions.md §1): a client configuration → informers on
 * WeChatPlatforms, the workloads they own and their MySQL pods (in every namespace, or in
 * each configured one) → one work queue → the reconciler. Only events that change what a
 * reconcile reads start one (`reconcile/triggers.ts`: never the operator's own status
 * writes); each reconcile asks to be run again when its platform's next scrape or MySQL
 * probe is due (`reconcile/round-clocks.ts`), so measurements run on their own clocks.
 * `mpstack run operator` calls `runOperator`; tests call it with a KubeConfig for the fake
 * API server and, for simulated minutes, virtual timers. `close()` runs once and runs every
 * step: stop the informers (intake), drain the queue (in-flight reconciles).
 */
import {
  AppsV1Api,
  CoreV1Api,
  CustomObjectsApi,
  KubeConfig,
  type KubernetesListObject,
  type KubernetesObject,
} from '@kubernetes/client-node';
import { GROUP, KIND, PLURAL, VERSION } from './api/v1alpha1.js';
import { validateSpec } from './api/validation.js';
import { createEventRecorder } from './kube/events.js';
import { createInformer, InformerEvent, keyOf, type ManagedInformer } from './kube/informer.js';
import { LeaderElector } from './kube/leader-election.js';
import type { OperatorLogger } from './kube/logger.js';
import { createObjectClient } from './kube/objects.js';
import type { Timers } from './kube/timers.js';
import { WorkQueue } from './kube/work-queue.js';
import { createMetricsRouter, createPrometheusSource } from './metrics/prometheus-source.js';
import { createPodScrapeSource, type RequestRateSource } from './metrics/request-rate-source.js';
import { createScheduledPushSource } from './reconcile/announced-pushes.js';
import { createMysqlControl } from './reconcile/mysql-control.js';
import type { MysqlControl } from './reconcile/mysql-port.js';
import type { DesiredResources } from './reconcile/ports.js';
import { createQueueDepthSource } from './reconcile/queue-depth.js';
import { Reconciler } from './reconcile/reconciler.js';
import { isMysqlPodTrigger, isPlatformTrigger, isWorkloadTrigger } from './reconcile/triggers.js';
import { desiredResources } from './resources/desired.js';
import { MANAGED_BY } from './resources/meta.js';
import { MYSQL_COMPONENT } from './resources/names.js';
import { decideReplicas } from './scaling/decide.js';

export interface RunOperatorOptions {
  /** A ready client configuration (tests); otherwise `kubeconfig` or the default loading rules. */
  readonly kubeConfig?: KubeConfig;
  /** Path of a kubeconfig file; in-cluster or `~/.kube/config` when absent. */
  readonly kubeconfig?: string;
  /** Watch these namespaces; every namespace when absent or empty. */
  readonly namespaces?: readonly string[];
  readonly clock: () => number;
  readonly logger: OperatorLogger;
  /** Request rates; each pod's `/metrics` scraped over HTTP unless given. */
  readonly rates?: RequestRateSource;
  readonly desiredResources?: DesiredResources;
  /** The MySQL dual-master round; real connections to the pods unless given. */
  readonly mysql?: MysqlControl;
  /** Requeue, retry and probe timers; Node's unless given (a virtual clock in tests). */
  readonly timers?: Timers;
  /** How often informers re-list (ms); 5 min unless given. */
  readonly resyncMs?: number;
  readonly fieldManager?: string;
  /**
   * Run several replicas, one reconciling: the Lease `mpstack-operator` in this namespace,
   * this replica's identity (its pod name). Without it this replica always reconciles.
   */
  readonly leaderElection?: { readonly namespace: string; readonly identity: string };
}

export interface RunningOperator {
  /** Reconciles asked for but not finished. */
  readonly pending: () => number;
  /**
   * Each informer's cache is in sync with the API server (a list succeeded and the watch has
   * not failed since): false while the API server is unreachable. Keyed by the watched path.
   */
  readonly readiness: () => Readonly<Record<string, boolean>>;
  close(): Promise<void>;
}

function loadKubeConfig(options: RunOperatorOptions): KubeConfig {
  if (options.kubeConfig !== undefined) return options.kubeConfig;
  const kc = new KubeConfig();
  if (options.kubeconfig === undefined) kc.loadFromDefault();
  else kc.loadFromFile(options.kubeconfig);
  return kc;
}

const prefix = (ns: string | undefined) => (ns === undefined ? '' : `/namespaces/${ns}`);

/** The platform key of a workload's controller owner, if it is one of ours. */
function ownerKey(o: KubernetesObject): string | undefined {
  const owner = o.metadata?.ownerReferences?.find((r) => r.controller === true && r.kind === KIND);
  return owner === undefined ? undefined : `${o.metadata?.namespace ?? ''}/${owner.name}`;
}

/** Starts the operator; resolves once the informers have started. */
export async function runOperator(options: RunOperatorOptions): Promise<RunningOperator> {
  const { clock, logger } = options;
  const kubeConfig = loadKubeConfig(options);
  const objects = createObjectClient(kubeConfig, options.fieldManager ?? 'mpstack-operator');
  const reconciler = new Reconciler({
    objects,
    events: createEventRecorder({ kubeConfig, component: 'mpstack-operator', clock, logger }),
    rates:
      options.rates ??
      createMetricsRouter({
        pods: createPodScrapeSource({ clock }),
        prometheus: (url) => createPrometheusSource({ url, clock }),
      }),
    // In the cluster the lease lives in the operator's own namespace: its pods are let
    // through the data stores' NetworkPolicies from there.
    desiredResources:
      options.desiredResources ??
      ((platform, desired) =>
        desiredResources(platform, { ...desired, operatorNamespace: options.leaderElection?.namespace })),
    decideReplicas,
    validateSpec,
    mysql: options.mysql ?? createMysqlControl({ objects, clock, logger }),
    clock,
    logger,
    queueDepth: createQueueDepthSource({ objects }),
    scheduledPushes: createScheduledPushSource(),
  });
  const elector =
    options.leaderElection === undefined
      ? undefined
      : new LeaderElector({ objects, clock, logger, name: 'mpstack-operator', ...options.leaderElection });
  const queue = new WorkQueue({
    logger,
    ...(options.timers === undefined ? {} : { timers: options.timers }),
    process: async (key) => {
      // A follower keeps its caches warm and asks again later; only the leader writes.
      if (elector !== undefined && !elector.isLeader) return { requeueAfterMs: 5_000 };
      const [ns = '', name = ''] = key.split('/');
      return reconciler.reconcile(ns, name);
    },
  });
  elector?.start();
  const scopes = options.namespaces === undefined || options.namespaces.length === 0 ? [undefined] : options.namespaces;
  const informers = scopes.flatMap((namespace) => startInformers(kubeConfig, namespace, options, queue, reconciler));
  await Promise.all(informers.map((i) => i.start()));
  let closing: Promise<void> | undefined;
  return {
    pending: () => queue.size,
    readiness: () => Object.fromEntries(informers.map((i) => [i.path, i.isSynced()])),
    close() {
      closing ??= (async () => {
        elector?.stop();
        await Promise.allSettled(informers.map((i) => i.stop()));
        await queue.close();
        logger.info({}, 'operator stopped');
      })();
      return closing;
    },
  };
}

function startInformers(
  kubeConfig: KubeConfig,
  namespace: string | undefined,
  options: RunOperatorOptions,
  queue: WorkQueue,
  reconciler: Reconciler,
): ManagedInformer<KubernetesObject>[] {
  const custom = kubeConfig.makeApiClient(CustomObjectsApi);
  const apps = kubeConfig.makeApiClient(AppsV1Api);
  const common = { kubeConfig, logger: options.logger, resyncMs: options.resyncMs ?? 300_000 };
  const listPlatforms = () =>
    (namespace === undefined
      ? custom.listClusterCustomObject({ group: GROUP, version: VERSION, plural: PLURAL })
      : custom.listNamespacedCustomObject({ group: GROUP, version: VERSION, namespace, plural: PLURAL })) as Promise<
      KubernetesListObject<KubernetesObject>
    >;
  const platforms = createInformer<KubernetesObject>({
    ...common,
    path: `/apis/${GROUP}/${VERSION}${prefix(namespace)}/${PLURAL}`,
    list: listPlatforms,
    onEvent: (event, o, previous) => {
      if (event === InformerEvent.Delete) reconciler.forget(o.metadata?.namespace ?? '', o.metadata?.name ?? '');
      else if (isPlatformTrigger(event, o, previous)) queue.add(keyOf(o));
    },
  });
  const workloads = (['deployments', 'statefulsets'] as const).map((plural) =>
    createInformer<KubernetesObject>({
      ...common,
      path: `/apis/apps/v1${prefix(namespace)}/${plural}`,
      list: () => listWorkloads(apps, plural, namespace),
      onEvent: (event, o, previous) => {
        const key = ownerKey(o);
        if (key !== undefined && isWorkloadTrigger(event, o, previous)) queue.add(key);
      },
    }),
  );
  // MySQL pods: a pod turning NotReady (or being deleted) is the Kubernetes half of the
  // failover corroboration, so its platform runs a MySQL round at once instead of at the
  // next probe tick.
  const core = kubeConfig.makeApiClient(CoreV1Api);
  const labelSelector = `app.kubernetes.io/managed-by=${MANAGED_BY},app.kubernetes.io/component=${MYSQL_COMPONENT}`;
  const mysqlPods = createInformer<KubernetesObject>({
    ...common,
    path: `/api/v1${prefix(namespace)}/pods`,
    labelSelector,
    list: () =>
      (namespace === undefined
        ? core.listPodForAllNamespaces({ labelSelector })
        : core.listNamespacedPod({ namespace, labelSelector })) as Promise<KubernetesListObject<KubernetesObject>>,
    onEvent: (event, pod, previous) => {
      const platform = platformOfPod(pod);
      if (platform === undefined || !isMysqlPodTrigger(event, pod, previous)) return;
      reconciler.requestMysqlRound(platform.namespace, platform.name);
      queue.add(`${platform.namespace}/${platform.name}`);
    },
  });
  return [platforms, ...workloads, mysqlPods];
}

/** A pod's platform, from the labels the operator put on its StatefulSet's pod template. */
function platformOfPod(pod: KubernetesObject): { namespace: string; name: string } | undefined {
  const instance = pod.metadata?.labels?.['app.kubernetes.io/instance'];
  return instance === undefined ? undefined : { namespace: pod.metadata?.namespace ?? '', name: instance };
}

function listWorkloads(apps: AppsV1Api, plural: 'deployments' | 'statefulsets', namespace: string | undefined) {
  if (plural === 'deployments') {
    return namespace === undefined
      ? apps.listDeploymentForAllNamespaces()
      : apps.listNamespacedDeployment({ namespace });
  }
  return namespace === undefined
    ? apps.listStatefulSetForAllNamespaces()
    : apps.listNamespacedStatefulSet({ namespace });
}
