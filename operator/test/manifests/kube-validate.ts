import * as clientNode from '@kubernetes/client-node';
import { ServiceMonitor } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1';
import { CustomResourceDefinition } from 'kubernetes-models/apiextensions.k8s.io/v1';
import { Deployment, StatefulSet } from 'kubernetes-models/apps/v1';
import { Ingress, NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { ClusterRole, ClusterRoleBinding, Role, RoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1';
import { ConfigMap, Namespace, Service, ServiceAccount } from 'kubernetes-models/v1';
import { parse } from 'yaml';

/**
 * Offline validation of Kubernetes objects against the upstream OpenAPI schemas, in two
 * layers: `kubernetes-models` (types, required fields, enums, formats as the API server's
 * OpenAPI states them) and an unknown-field walk over `@kubernetes/client-node`'s model type
 * maps (the upstream schemas leave objects open, so a misspelt field would otherwise pass;
 * the API server would drop or reject it).
 */

interface Validatable {
  validate(): void;
}
type ModelClass = new (data: Record<string, unknown>) => Validatable;

const models: Readonly<Record<string, { model: ModelClass; clientType: string }>> = {
  'apps/v1/Deployment': { model: Deployment as unknown as ModelClass, clientType: 'V1Deployment' },
  'apps/v1/StatefulSet': { model: StatefulSet as unknown as ModelClass, clientType: 'V1StatefulSet' },
  'v1/Service': { model: Service as unknown as ModelClass, clientType: 'V1Service' },
  'v1/ConfigMap': { model: ConfigMap as unknown as ModelClass, clientType: 'V1ConfigMap' },
  'v1/Namespace': { model: Namespace as unknown as ModelClass, clientType: 'V1Namespace' },
  'v1/ServiceAccount': { model: ServiceAccount as unknown as ModelClass, clientType: 'V1ServiceAccount' },
  'networking.k8s.io/v1/Ingress': { model: Ingress as unknown as ModelClass, clientType: 'V1Ingress' },
  'networking.k8s.io/v1/NetworkPolicy': {
    model: NetworkPolicy as unknown as ModelClass,
    clientType: 'V1NetworkPolicy',
  },
  'policy/v1/PodDisruptionBudget': {
    model: PodDisruptionBudget as unknown as ModelClass,
    clientType: 'V1PodDisruptionBudget',
  },
  // The prometheus-operator CRD's schema (no client-node model: no unknown-field walk).
  'monitoring.coreos.com/v1/ServiceMonitor': { model: ServiceMonitor as unknown as ModelClass, clientType: '' },
  'rbac.authorization.k8s.io/v1/ClusterRole': {
    model: ClusterRole as unknown as ModelClass,
    clientType: 'V1ClusterRole',
  },
  'rbac.authorization.k8s.io/v1/ClusterRoleBinding': {
    model: ClusterRoleBinding as unknown as ModelClass,
    clientType: 'V1ClusterRoleBinding',
  },
  'rbac.authorization.k8s.io/v1/Role': { model: Role as unknown as ModelClass, clientType: 'V1Role' },
  'rbac.authorization.k8s.io/v1/RoleBinding': {
    model: RoleBinding as unknown as ModelClass,
    clientType: 'V1RoleBinding',
  },
  'apiextensions.k8s.io/v1/CustomResourceDefinition': {
    model: CustomResourceDefinition as unknown as ModelClass,
    clientType: 'V1CustomResourceDefinition',
  },
};

interface AttributeType {
  readonly baseName: string;
  readonly type: string;
}
type ClientModel = { getAttributeTypeMap(): AttributeType[] };

function clientModel(type: string): ClientModel | undefined {
  const candidate = (clientNode as unknown as Record<string, unknown>)[type] as Partial<ClientModel> | undefined;
  return typeof candidate?.getAttributeTypeMap === 'function' ? (candidate as ClientModel) : undefined;
}

/** JSONSchemaProps nodes are free-form in places (`default`, `example`): stop there. */
function unknownFields(value: unknown, type: string, path: string, out: string[]): void {
  const array = /^Array<(.+)>$/.exec(type);
  if (array?.[1] !== undefined) {
    const itemType = array[1];
    if (Array.isArray(value)) {
      value.forEach((item, i) => {
        unknownFields(item, itemType, `${path}[${i}]`, out);
      });
    }
    return;
  }
  const map = /^\{ \[key: string\]: (.+); \}$/.exec(type);
  if (map?.[1] !== undefined) {
    if (value !== null && typeof value === 'object') {
      for (const [k, v] of Object.entries(value)) unknownFields(v, map[1], `${path}.${k}`, out);
    }
    return;
  }
  const model = clientModel(type);
  if (model === undefined || value === null || typeof value !== 'object' || Array.isArray(value)) return;
  const attributes = new Map(model.getAttributeTypeMap().map((a) => [a.baseName, a.type]));
  for (const [key, child] of Object.entries(value)) {
    const childType = attributes.get(key);
    if (childType === undefined) out.push(`${path}.${key}: unknown field`);
    else if (type === 'V1JSONSchemaProps' && (key === 'items' || key === 'additionalProperties')) {
      unknownFields(child, 'V1JSONSchemaProps', `${path}.${key}`, out);
    } else unknownFields(child, childType, `${path}.${key}`, out);
  }
}

/**
 * An object as the client sends it: client-node models rename a few fields (`_from` for a
 * NetworkPolicy rule's `from`), which its serializer maps back. Desired objects are models.
 */
export function wireForm(object: object): Record<string, unknown> {
  return parse(clientNode.dumpYaml(object)) as Record<string, unknown>;
}

/** Problems of one object (wire form); an empty list means valid. Unknown kinds are a problem too. */
export function kubernetesProblems(object: Readonly<Record<string, unknown>>): string[] {
  const key = `${String(object['apiVersion'])}/${String(object['kind'])}`;
  const entry = models[key];
  if (entry === undefined) return [`${key}: no schema known to the test`];
  const problems: string[] = [];
  try {
    new entry.model({ ...object }).validate();
  } catch (error) {
    problems.push(`${key}: ${error instanceof Error ? error.message : String(error)}`);
  }
  unknownFields(object, entry.clientType, key, problems);
  return problems;
}
