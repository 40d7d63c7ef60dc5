import { z } from 'zod';

/** One `host:port` of a Sentinel or Cluster node list. */
export interface RedisNode {
  readonly host: string;
  readonly port: number;
}

/**
 * Which Redis the coordination port talks to: one node (`MPSTACK_REDIS_URL`), a primary
 * found through Sentinel (`MPSTACK_REDIS_SENTINELS` + `MPSTACK_REDIS_SENTINEL_NAME`), or a
 * Redis Cluster (`MPSTACK_REDIS_CLUSTER_NODES`). Passwords for Sentinel and Cluster nodes
 * come from `MPSTACK_REDIS_PASSWORD` (and `MPSTACK_REDIS_SENTINEL_PASSWORD` for the
 * sentinels themselves); a single node carries its password in the URL.
 */
export type RedisTopology =
  | { readonly kind: 'single'; readonly url: string }
  | {
      readonly kind: 'sentinel';
      readonly sentinels: readonly RedisNode[];
      readonly name: string;
      readonly password?: string;
      readonly sentinelPassword?: string;
    }
  | { readonly kind: 'cluster'; readonly nodes: readonly RedisNode[]; readonly password?: string };

const emptyToUndefined = z
  .string()
  .trim()
  .transform((value) => (value === '' ? undefined : value))
  .optional();

/** `host:port,host:port`; each bad entry is named. */
const nodeList = z
  .string()
  .trim()
  .transform((value, context): RedisNode[] | undefined => {
    if (value === '') return undefined;
    const nodes: RedisNode[] = [];
    for (const entry of value.split(',').map((part) => part.trim())) {
      const match = /^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/.exec(entry);
      const port = Number(match?.[2]);
      if (match === null || port < 1 || port > 65535) {
        context.addIssue({ code: 'custom', message: `"${entry}" is not host:port` });
        continue;
      }
      nodes.push({ host: (match[1] ?? '').replace(/^\[|\]$/g, ''), port });
    }
    return nodes;
  })
  .optional();

/** The Redis variables of {@link commonEnvSchema}; {@link checkRedisTopology} relates them. */
export const redisEnvFields = {
  MPSTACK_REDIS_SENTINELS: nodeList,
  MPSTACK_REDIS_SENTINEL_NAME: emptyToUndefined,
  MPSTACK_REDIS_CLUSTER_NODES: nodeList,
  MPSTACK_REDIS_PASSWORD: emptyToUndefined,
  MPSTACK_REDIS_SENTINEL_PASSWORD: emptyToUndefined,
};

interface RedisEnv {
  readonly MPSTACK_REDIS_URL?: string | undefined;
  readonly MPSTACK_REDIS_SENTINELS?: readonly RedisNode[] | undefined;
  readonly MPSTACK_REDIS_SENTINEL_NAME?: string | undefined;
  readonly MPSTACK_REDIS_CLUSTER_NODES?: readonly RedisNode[] | undefined;
  readonly MPSTACK_REDIS_PASSWORD?: string | undefined;
  readonly MPSTACK_REDIS_SENTINEL_PASSWORD?: string | undefined;
  readonly MPSTACK_KEY_PREFIX?: string | undefined;
}

type Issue = { readonly path: string; readonly message: string };

/** Every contradiction between the Redis variables (a service's schema adds them as issues). */
export function redisTopologyIssues(env: RedisEnv): Issue[] {
  const issues: Issue[] = [];
  const chosen = (
    [
      ['MPSTACK_REDIS_URL', env.MPSTACK_REDIS_URL],
      ['MPSTACK_REDIS_SENTINELS', env.MPSTACK_REDIS_SENTINELS],
      ['MPSTACK_REDIS_CLUSTER_NODES', env.MPSTACK_REDIS_CLUSTER_NODES],
    ] as const
  ).filter(([, value]) => value !== undefined);
  if (chosen.length > 1) {
    for (const [name] of chosen.slice(1)) {
      issues.push({ path: name, message: `cannot be combined with ${chosen[0]?.[0]}: choose one Redis topology` });
    }
  }
  if (env.MPSTACK_REDIS_SENTINELS !== undefined && env.MPSTACK_REDIS_SENTINEL_NAME === undefined) {
    issues.push({
      path: 'MPSTACK_REDIS_SENTINEL_NAME',
      message: 'required with MPSTACK_REDIS_SENTINELS (the monitored primary)',
    });
  }
  if (env.MPSTACK_REDIS_SENTINELS === undefined) {
    for (const name of ['MPSTACK_REDIS_SENTINEL_NAME', 'MPSTACK_REDIS_SENTINEL_PASSWORD'] as const) {
      if (env[name] !== undefined) issues.push({ path: name, message: 'only meaningful with MPSTACK_REDIS_SENTINELS' });
    }
  }
  if (env.MPSTACK_REDIS_PASSWORD !== undefined && env.MPSTACK_REDIS_URL !== undefined) {
    issues.push({ path: 'MPSTACK_REDIS_PASSWORD', message: 'a single node takes its password in MPSTACK_REDIS_URL' });
  }
  if (env.MPSTACK_REDIS_CLUSTER_NODES !== undefined && /[{}]/.test(env.MPSTACK_KEY_PREFIX ?? '')) {
    issues.push({
      path: 'MPSTACK_KEY_PREFIX',
      message: 'must not contain { or } with a Redis Cluster: it would hash every key to one slot',
    });
  }
  return issues;
}

/** A `superRefine` for a service's environment schema: the issues of {@link redisTopologyIssues}. */
export function checkRedisTopology(env: RedisEnv, context: z.RefinementCtx): void {
  for (const issue of redisTopologyIssues(env)) {
    context.addIssue({ code: 'custom', path: [issue.path], message: issue.message });
  }
}

/** The topology a checked environment describes; undefined means the in-process adapter. */
export function redisTopologyOf(env: RedisEnv): RedisTopology | undefined {
  const password = env.MPSTACK_REDIS_PASSWORD === undefined ? {} : { password: env.MPSTACK_REDIS_PASSWORD };
  if (env.MPSTACK_REDIS_SENTINELS !== undefined) {
    return {
      kind: 'sentinel',
      sentinels: env.MPSTACK_REDIS_SENTINELS,
      name: env.MPSTACK_REDIS_SENTINEL_NAME ?? '',
      ...password,
      ...(env.MPSTACK_REDIS_SENTINEL_PASSWORD === undefined
        ? {}
        : { sentinelPassword: env.MPSTACK_REDIS_SENTINEL_PASSWORD }),
    };
  }
  if (env.MPSTACK_REDIS_CLUSTER_NODES !== undefined) {
    return { kind: 'cluster', nodes: env.MPSTACK_REDIS_CLUSTER_NODES, ...password };
  }
  return env.MPSTACK_REDIS_URL === undefined ? undefined : { kind: 'single', url: env.MPSTACK_REDIS_URL };
}

/** For start-up logs: the topology without passwords. */
export function describeRedisTopology(topology: RedisTopology | undefined): string {
  if (topology === undefined) return 'in-process (embedded)';
  if (topology.kind === 'single') return 'redis';
  const nodes = topology.kind === 'sentinel' ? topology.sentinels : topology.nodes;
  const list = nodes.map((n) => `${n.host}:${n.port}`).join(',');
  return topology.kind === 'sentinel' ? `redis sentinel ${topology.name} via ${list}` : `redis cluster ${list}`;
}
