import { DEFAULT_REPLICAS } from './defaults.js';
import { SERVICE_NAMES, type ServiceName } from './v1alpha1.js';

/**
 * Rules that relate two fields (the CRD's `x-kubernetes-validations` CEL rules). They run on
 * the raw spec, not the zod result, so a spec with a wrong field AND a min above its max gets
 * both problems reported at once; a field of the wrong type is skipped here (zod reports it).
 */

type Raw = Readonly<Record<string, unknown>>;

function obj(value: unknown): Raw | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Raw) : undefined;
}

function num(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

function replicaProblems(name: ServiceName, service: Raw): string[] {
  const replicas = obj(service['replicas']);
  const min = num(replicas?.['min']) ?? DEFAULT_REPLICAS[name].min;
  const max = num(replicas?.['max']) ?? DEFAULT_REPLICAS[name].max;
  return min > max ? [`services.${name}.replicas: min (${min}) must not exceed max (${max})`] : [];
}

function tierProblems(name: ServiceName, service: Raw): string[] {
  const tiers = obj(service['scaling'])?.['tiers'];
  if (!Array.isArray(tiers)) return [];
  const problems: string[] = [];
  const max = num(obj(service['replicas'])?.['max']) ?? DEFAULT_REPLICAS[name].max;
  tiers.forEach((tier: unknown, index) => {
    const rate = num(obj(tier)?.['requestsPerSecond']);
    const minReplicas = num(obj(tier)?.['minReplicas']);
    const previous = index > 0 ? obj(tiers[index - 1]) : undefined;
    const previousRate = num(previous?.['requestsPerSecond']);
    if (rate !== undefined && previousRate !== undefined && rate <= previousRate) {
      problems.push(`services.${name}.scaling.tiers[${index}]: requestsPerSecond must be strictly ascending`);
    }
    if (minReplicas !== undefined && minReplicas > max) {
      problems.push(
        `services.${name}.scaling.tiers[${index}]: minReplicas (${minReplicas}) exceeds replicas.max (${max})`,
      );
    }
  });
  return problems;
}

function externalProblems(spec: Raw): string[] {
  const problems: string[] = [];
  const mysql = obj(spec['mysql']);
  if (mysql?.['mode'] === 'external' && mysql['externalUrlSecret'] === undefined) {
    problems.push('mysql.externalUrlSecret: required when mode is external');
  }
  const rabbitmq = obj(spec['rabbitmq']);
  if (rabbitmq?.['mode'] === 'external' && rabbitmq['externalUrlSecret'] === undefined) {
    problems.push('rabbitmq.externalUrlSecret: required when mode is external');
  }
  const metrics = obj(spec['metrics']);
  if (metrics?.['source'] === 'prometheus' && metrics['prometheusUrl'] === undefined) {
    problems.push('metrics.prometheusUrl: required when source is prometheus');
  }
  return problems;
}

function envProblems(name: ServiceName, service: Raw): string[] {
  const env = service['env'];
  if (!Array.isArray(env)) return [];
  const seen = new Set<unknown>();
  const problems: string[] = [];
  for (const entry of env as unknown[]) {
    const key = obj(entry)?.['name'];
    if (seen.has(key)) problems.push(`services.${name}.env: ${String(key)} is listed twice`);
    seen.add(key);
  }
  return problems;
}

/** Every cross-field problem of a raw spec, as `path: message` lines. */
export function crossFieldProblems(spec: unknown): string[] {
  const root = obj(spec);
  if (root === undefined) return [];
  const services = obj(root['services']) ?? {};
  const problems: string[] = [];
  for (const name of SERVICE_NAMES) {
    const service = obj(services[name]) ?? {};
    problems.push(...replicaProblems(name, service), ...tierProblems(name, service), ...envProblems(name, service));
  }
  problems.push(...externalProblems(root));
  return problems;
}
