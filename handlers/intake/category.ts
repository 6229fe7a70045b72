// Which catalog item a report is about: the model's belief and the catalog's words, weighed together.
import type { District } from '../../config/district.ts';
import type { EmergencyFinding } from './emergency.ts';
import type { KeywordScores } from './keywords.ts';
import type { Model, TokenIds } from './model.ts';

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
  tokens: readonly string[] | TokenIds,
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
  // Beliefs are kept in arrays in the catalog's order (a parse is on every report's path).
  const codes = district.catalog.map((c) => c.code);
  const n = codes.length;
  const index = new Map(codes.map((c, i) => [c, i]));
  const other = index.get('other') ?? -1;
  const known = codes.flatMap((c, i) => (model.labels.includes(c) ? [i] : []));
  const dangerItems = [...new Set(Object.values(DANGER_ITEMS).flat())].flatMap((c) => index.get(c) ?? []);
  const itemsOf = (kind: string) => (DANGER_ITEMS[kind] ?? []).flatMap((c) => index.get(c) ?? []);
  const lift = index.get('trapped_lift') ?? -1;
  const scale = tuning.temperature * Math.LN2;
  return (tokens, kw, danger, text) => {
    const odds = model.odds(tokens);
    // the model's odds softened into probabilities over the items it knows
    const fromModel = new Float64Array(n);
    const modelSpoke = odds.size > 0 && known.length > 0;
    if (modelSpoke) {
      let max = -Infinity;
      for (const i of known) max = Math.max(max, odds.get(codes[i]) ?? 0);
      let sum = 0;
      for (const i of known) {
        fromModel[i] = Math.exp(((odds.get(codes[i]) ?? 0) - max) * scale);
        sum += fromModel[i];
      }
      for (const i of known) fromModel[i] /= sum;
    } else if (other >= 0) fromModel[other] = 1;
    let kwTotal = 0;
    for (const v of kw.scores.values()) kwTotal += v;
    kwTotal += tuning.doubt;
    const belief = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const k = ((kw.scores.get(codes[i]) ?? 0) + (i === other ? tuning.doubt : 0)) / kwTotal;
      belief[i] = (1 - tuning.keywordShare) * fromModel[i] + tuning.keywordShare * k;
    }
    if (other >= 0) belief[other] *= tuning.otherShare;
    // A fire, a gas leak or someone stuck in a lift is named by its own words, whatever else is said.
    const inLift = /电梯|轿厢|货梯|客梯/.test(text);
    const spoken = new Set(danger.mentioned.flatMap(itemsOf));
    if (inLift && lift >= 0) spoken.add(lift);
    for (const i of dangerItems)
      if (!spoken.has(i) && !kw.scores.has(codes[i])) belief[i] *= tuning.unmentioned;
    for (const cue of danger.cues)
      for (const i of itemsOf(cue)) if (i !== lift || inLift) belief[i] += tuning.dangerPull;
    // Two matters in one message: the first, unless a danger above already decided.
    // A matter in a clause of thanks (谢谢上次修好路灯) is done, not reported.
    const clear = [...kw.scores].filter(
      ([c, v]) => v >= tuning.clear && index.has(c) && !DONE.test(clauseAt(text, kw.first.get(c)!)),
    );
    if (clear.length >= 2 && !danger.emergency) {
      clear.sort((a, b) => kw.first.get(a[0])! - kw.first.get(b[0])!);
      const [first, second] = [clear[0][0], clear[1][0]];
      const between = text.slice(kw.first.get(first), kw.first.get(second));
      const f = index.get(first)!;
      let top = -Infinity;
      for (const v of belief) top = Math.max(top, v);
      // 另外/还有/而且 announce a second matter; a comma alone may only go on about the first.
      if (ANOTHER_MATTER.test(between)) belief[f] = Math.max(belief[f], top) + tuning.firstPull;
      else if (SECOND_MATTER.test(between)) belief[f] += tuning.firstPull;
    }
    let total = 0;
    for (const v of belief) total += v;
    total ||= 1;
    return codes.map((c, i) => [c, belief[i] / total] as [string, number]).sort((a, b) => b[1] - a[1]);
  };
}
