import type { V1Container, V1Deployment, V1ResourceRequirements, V1Service, V1Volume } from '@kubernetes/client-node';
import type { ServiceName, WeChatPlatform } from '../api/v1alpha1.js';
import { labelsFor, metaFor, selectorFor } from './meta.js';
import { serviceObjectName } from './names.js';
import { pullSecretsFor, resourcesOr } from './pod-spec.js';
import { DATA_DIR, HTTP_PORT, INGRESS_SHUTDOWN_DRAIN_SECONDS, LOG_FILES_DIR, serviceEnv } from './service-env.js';

/** Requests when the spec names none: enough to schedule, small enough for a test cluster. */
export const DEFAULT_SERVICE_RESOURCES: V1ResourceRequirements = {
  requests: { cpu: '100m', memory: '128Mi' },
  limits: { memory: '512Mi' },
};

/** The preStop pause while the endpoints controller takes a terminating pod out of the Service. */
const PRE_STOP_SECONDS = 5;

/**
 * The kubelet's grace period counts from the preStop hook. The ingress needs the pause, its
 * in-flight webhooks (WeChat waits 5 s), the spool drain to the broker
 * ({@link INGRESS_SHUTDOWN_DRAIN_SECONDS}) and the hand-over of what is left to the
 * database, with a margin, before SIGKILL would cut the hand-over short.
 */
export function terminationGraceSeconds(service: ServiceName): number {
  return service === 'ingress' ? PRE_STOP_SECONDS + 5 + INGRESS_SHUTDOWN_DRAIN_SECONDS + 15 : 30;
}

/** The `node` user of the runtime image (the Dockerfile's `USER node`). */
const NODE_UID = 1000;

function container(platform: WeChatPlatform, service: ServiceName): V1Container {
  return {
    name: service,
    image: platform.spec.image,
    imagePullPolicy: platform.spec.imagePullPolicy,
    args: ['run', service],
    ports: [{ name: 'http', containerPort: HTTP_PORT, protocol: 'TCP' }],
    env: serviceEnv(platform, service),
    readinessProbe: { httpGet: { path: '/readyz', port: 'http' }, periodSeconds: 5, failureThreshold: 2 },
    livenessProbe: { httpGet: { path: '/healthz', port: 'http' }, periodSeconds: 10, failureThreshold: 3 },
    // Endpoints are removed asynchronously: keep serving a few seconds after the pod is
    // marked terminating so WeChat's 5 s webhook calls in flight are not refused. The
    // spool drain is not here: it runs in the process on SIGTERM, after this hook.
    lifecycle: { preStop: { exec: { command: ['sleep', String(PRE_STOP_SECONDS)] } } },
    resources: resourcesOr(platform.spec.services[service].resources, DEFAULT_SERVICE_RESOURCES),
    securityContext: {
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ['ALL'] },
    },
    volumeMounts: [
      { name: 'data', mountPath: DATA_DIR },
      { name: 'tmp', mountPath: '/tmp' },
      ...(filesClaim(platform, service) === undefined ? [] : [{ name: 'log-files', mountPath: LOG_FILES_DIR }]),
    ],
  };
}

/** The claim holding the log service's JSON-lines files (`spec.logs.filesClaimName`), for the log service only. */
function filesClaim(platform: WeChatPlatform, service: ServiceName): string | undefined {
  return service === 'log' ? platform.spec.logs?.filesClaimName : undefined;
}

/**
 * The Deployment of one service. `replicas` is the scaler's decision, not the spec's: the
 * operator owns the count (there is no HPA object), so applying this never fights it.
 * Rolling updates keep every ready pod until its replacement is ready (maxUnavailable 0).
 */
export function serviceDeployment(platform: WeChatPlatform, service: ServiceName, replicas: number): V1Deployment {
  const name = serviceObjectName(platform, service);
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: metaFor(platform, name, service),
    spec: {
      replicas,
      revisionHistoryLimit: 5,
      selector: { matchLabels: selectorFor(platform, service) },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: 0 } },
      template: {
        metadata: {
          labels: labelsFor(platform, service),
          annotations: {
            'prometheus.io/scrape': 'true',
            'prometheus.io/port': String(HTTP_PORT),
            'prometheus.io/path': '/metrics',
          },
        },
        spec: {
          enableServiceLinks: false,
          ...pullSecretsFor(platform),
          terminationGracePeriodSeconds: terminationGraceSeconds(service),
          securityContext: {
            runAsNonRoot: true,
            runAsUser: NODE_UID,
            runAsGroup: NODE_UID,
            fsGroup: NODE_UID,
            seccompProfile: { type: 'RuntimeDefault' },
          },
          containers: [container(platform, service)],
          volumes: [
            { name: 'data', emptyDir: {} },
            { name: 'tmp', emptyDir: { sizeLimit: '64Mi' } },
            ...logFilesVolume(filesClaim(platform, service)),
          ],
        },
      },
    },
  };
}

function logFilesVolume(claimName: string | undefined): V1Volume[] {
  return claimName === undefined ? [] : [{ name: 'log-files', persistentVolumeClaim: { claimName } }];
}

/** ClusterIP Service of one service: port 80 → the container's `http` port. */
export function serviceService(platform: WeChatPlatform, service: ServiceName): V1Service {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: metaFor(platform, serviceObjectName(platform, service), service),
    spec: {
      type: 'ClusterIP',
      selector: selectorFor(platform, service),
      ports: [{ name: 'http', port: 80, targetPort: 'http', protocol: 'TCP' }],
    },
  };
}
