import type { V1HTTPIngressPath, V1Ingress } from '@kubernetes/client-node';
import type { ServiceName, WeChatPlatform } from '../api/v1alpha1.js';
import { deployedServices } from './deployed.js';
import { metaFor } from './meta.js';
import { ingressName, serviceObjectName } from './names.js';

/**
 * Path → service routing, most specific first (Prefix matching is per path element, so
 * `/wx` matches `/wx/…` but not `/wxyz`). `/` is the admin console. Only the paths of
 * deployed services are routed (`deployed.ts`).
 */
export const INGRESS_ROUTES: readonly { readonly path: string; readonly service: ServiceName }[] = [
  { path: '/wx', service: 'ingress' },
  { path: '/oauth', service: 'oauth' },
  { path: '/activity', service: 'activity' },
  { path: '/admin', service: 'admin' },
  { path: '/', service: 'admin' },
];

/** The one Ingress of a platform: the host WeChat calls, with TLS when the spec names a Secret. */
export function platformIngress(
  platform: WeChatPlatform,
  deployed: readonly ServiceName[] = deployedServices(),
): V1Ingress {
  const { host, className, tls } = platform.spec.ingress;
  const routes = INGRESS_ROUTES.filter((route) => deployed.includes(route.service));
  const paths: V1HTTPIngressPath[] = routes.map(({ path, service }) => ({
    path,
    pathType: 'Prefix',
    backend: { service: { name: serviceObjectName(platform, service), port: { name: 'http' } } },
  }));
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: metaFor(platform, ingressName(platform), 'routing'),
    spec: {
      ...(className !== undefined ? { ingressClassName: className } : {}),
      ...(tls !== undefined ? { tls: [{ hosts: [host], secretName: tls.secretName }] } : {}),
      rules: [{ host, http: { paths } }],
    },
  };
}
