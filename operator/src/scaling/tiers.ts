import type { Tier } from './scaling.types.js';

/**
 * The floor implied by the observed request rate: the largest `minReplicas` of the tiers whose
 * `rate` the service has reached. Tiers only ever raise the minimum; they are a guard for known
 * load levels (a campaign hour), not a replacement for the proportional rule.
 */
export function minimumFromTiers(tiers: readonly Tier[] | undefined, rate: number | undefined): number {
  if (tiers === undefined || rate === undefined || !Number.isFinite(rate)) return 0;
  let floor = 0;
  for (const tier of tiers) if (rate >= tier.rate) floor = Math.max(floor, tier.minReplicas);
  return floor;
}
