// Which catalog item a report is about: the model's belief and the catalog's words, weighed together.
import type { District } from '../../config/district.ts';
import type { EmergencyFinding } from './emergency.ts';
import type { KeywordScores } from './keywords.ts';
import type { Model } from './model.ts';

export interface CategoryTuning {
  /** how much the catalog's words count against the model (0..1); the rest is the model's */
  keywordShare: number;
  /** softens the model's log2 odds into probabilities */
  temperature: number;
  /** keyword mass that stays with `other`: a single weak word should not decide */
  doubt: number;
  /** added to an item whose kind of danger is happening now (fire, gas, someone in a lift) */
  dangerPull: number;
  /** an emergency item none of whose danger words appear keeps this share of its belief */
  unmentioned: number;
  /** added to the first of two matters, each clearly named by the catalog's words */
  firstPull: number;
  /** a keyword score that clearly names a matter */
  clear: number;
  /** the share of its belief `other` keeps: the largest class in training, it should not win by its size */
  otherShare: number;
}

export const TUNING: CategoryTuning = {
  keywordShare: 0.3,
  temperature: 0.15,
  doubt: 0.4,
  dangerPull: 1,
  unmentioned: 0.3,
  firstPull: 0.6,
  clear: 0.85,
  otherShare: 0.7,
};

/** Danger kinds (from the emergency detector) that speak for a catalog item. */
const DANGER_ITEMS: Record<string, string[]> = {
  fire: ['fire'],
  gas: ['gas_leak'],
  lift_inside: ['trapped_lift'],
  trapped: ['trapped_lift'],
};

export type CategoryRanker = (
  tokens: string[],
  kw: KeywordScores,
  danger: EmergencyFinding,
  text: string,
) => [string, number][];

/** What stands between two matters in one message: a new clause, or 另外/还有/而且. */
const SECOND_MATTER = /[,，。；;！!？?、]|另外|还有|而且|并且|同时|以及|顺便/;
const DONE = /谢谢|感谢|多谢|修好|已经好|解决了|处理好|弄好/;
const CLAUSE_END = /[,，。；;！!？?]/;

function clauseAt(text: string, at: number): string {
  let s = at;
  while (s > 0 && !CLAUSE_END.test(text[s - 1])) s--;
  let e = at;
  while (e < text.length && !CLAUSE_END.test(text[e])) e++;
  return text.slice(s, e);
}

const ANOTHER_MATTER = /另外|还有|而且|并且|同时|以及|顺便|此外|再就是|再说/;

function softmax(values: Map<string, number>, scale: number): Map<string, number> {
  const max = Math.max(...values.values());
  const exp = new Map([...values].map(([k, v]) => [k, Math.exp((v - max) * scale)]));
  const sum = [...exp.values()].reduce((a, b) => a + b, 0);
  return new Map([...exp].map(([k, v]) => [k, v / sum]));
}

/**
 * Ranks the district's catalog items for a report, best first, beliefs summing to 1. Items the
 * model was not trained on rely on their keywords alone; model classes the district lacks are
 * ignored, so a district's own catalog works before any retraining.
 */
export function categoryRanker(
  district: District,
  model: Model,
  tuning: CategoryTuning = TUNING,
): CategoryRanker {
  const codes = district.catalog.map((c) => c.code);
  const known = codes.filter((c) => model.labels.includes(c));
  const dangerItems = new Set(Object.values(DANGER_ITEMS).flat());
  return (tokens, kw, danger, text) => {
    const odds = model.odds(tokens);
    const fromModel = odds.size
      ? softmax(new Map(known.map((c) => [c, odds.get(c) ?? 0])), tuning.temperature * Math.LN2)
      : new Map<string, number>();
    const kwTotal = [...kw.scores.values()].reduce((a, b) => a + b, 0) + tuning.doubt;
    const belief = new Map<string, number>();
    for (const c of codes) {
      const k = ((kw.scores.get(c) ?? 0) + (c === 'other' ? tuning.doubt : 0)) / kwTotal;
      const m = fromModel.get(c) ?? (fromModel.size ? 0 : c === 'other' ? 1 : 0);
      belief.set(c, (1 - tuning.keywordShare) * m + tuning.keywordShare * k);
    }
    if (belief.has('other')) belief.set('other', belief.get('other')! * tuning.otherShare);
    // A fire, a gas leak or someone stuck in a lift is named by its own words, whatever else is said.
    const spoken = new Set(danger.mentioned.flatMap((kind) => DANGER_ITEMS[kind] ?? []));
    if (/电梯|轿厢|货梯|客梯/.test(text)) spoken.add('trapped_lift');
    for (const c of dangerItems)
      if (belief.has(c) && !spoken.has(c) && !kw.scores.has(c))
        belief.set(c, belief.get(c)! * tuning.unmentioned);
    for (const cue of danger.cues)
      for (const c of DANGER_ITEMS[cue] ?? [])
        if (belief.has(c) && (c !== 'trapped_lift' || /电梯|轿厢|货梯|客梯/.test(text)))
          belief.set(c, belief.get(c)! + tuning.dangerPull);
    // Two matters in one message: the first, unless a danger above already decided.
    // A matter in a clause of thanks (谢谢上次修好路灯) is done, not reported.
    const clear = [...kw.scores].filter(
      ([c, v]) => v >= tuning.clear && belief.has(c) && !DONE.test(clauseAt(text, kw.first.get(c)!)),
    );
    if (clear.length >= 2 && !danger.emergency) {
      clear.sort((a, b) => kw.first.get(a[0])! - kw.first.get(b[0])!);
      const [first, second] = [clear[0][0], clear[1][0]];
      const between = text.slice(kw.first.get(first), kw.first.get(second));
      const top = Math.max(...belief.values());
      // 另外/还有/而且 announce a second matter; a comma alone may only go on about the first.
      if (ANOTHER_MATTER.test(between))
        belief.set(first, Math.max(belief.get(first)!, top) + tuning.firstPull);
      else if (SECOND_MATTER.test(between)) belief.set(first, belief.get(first)! + tuning.firstPull);
    }
    const total = [...belief.values()].reduce((a, b) => a + b, 0) || 1;
    return [...belief].map(([c, v]) => [c, v / total] as [string, number]).sort((a, b) => b[1] - a[1]);
  };
}
