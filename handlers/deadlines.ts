// Acknowledge and resolve deadlines for an assignment: from the catalog item when the call
// keeps the item's tier, else the tier's defaults; emergencies run on wall-clock time.
import type { District, Tier } from '../config/district.ts';
import { modeOf } from './modes.ts';
import { addDuration, parseDuration } from './worktime.ts';

export interface Limits {
  ack: string | null;
  resolve: string;
}

export function limitsFor(district: District, categoryCode: string, tier: Tier): Limits {
  const item = district.catalogByCode.get(categoryCode);
  const byTier = district.tiers[tier];
  if (item && item.tier === tier)
    return { ack: item.ack !== undefined ? item.ack : byTier.ack, resolve: item.resolve ?? byTier.resolve };
  return { ack: byTier.ack, resolve: byTier.resolve };
}

export function deadlinesFor(
  district: District,
  categoryCode: string,
  tier: Tier,
  from: Date,
): { ackDueAt: Date | null; resolveDueAt: Date } {
  const limits = limitsFor(district, categoryCode, tier);
  const { wallClock } = modeOf(tier);
  return {
    ackDueAt: limits.ack ? addDuration(from, parseDuration(limits.ack), { wallClock }) : null,
    resolveDueAt: addDuration(from, parseDuration(limits.resolve), { wallClock }),
  };
}
