// Scores a parser against labelled messages: accuracy per field, the commonest confusions, parse times.
import type { District } from '../../config/district.ts';
import type { Draft, Parser } from '../intake.ts';
import type { Labelled } from './corpus.ts';

export interface Score {
  right: number;
  of: number;
}

export interface Evaluation {
  lines: number;
  category: Score; // over intent=report lines
  tier: Score; // over reports; gold tier = 'emergency' if emergency else the item's tier
  emergencyRecall: Score; // over emergency=true lines
  falseAlarms: Score; // emergency flagged over emergency=false lines (lower is better)
  /** missed emergencies that reach the street marked for checking (alarmDoubt), of all missed */
  doubtCaught: Score;
  /** other reports marked for checking, of the reports labelled not an emergency */
  doubtOthers: Score;
  intent: Score; // over lines that label an intent
  location: Score; // over all lines
  /** the old set's own rule: the prediction contains the labelled place (legacy lines only) */
  locationContains: Score;
  confusions: [string, number][]; // "gold → predicted" category pairs, commonest first
  fieldErrors: [string, number][]; // counts of each kind of error
  parseMs: number[]; // per line, in order
}

/** Whitespace and punctuation do not count when comparing places. */
export const normalisePlace = (s: string | null | undefined) => (s ?? '').replace(/[\s\p{P}\p{S}]/gu, '');

export function placeMatches(predicted: string | null, gold: string[]): boolean {
  const p = normalisePlace(predicted);
  if (!gold.length) return p === '';
  return gold.some((g) => normalisePlace(g) === p);
}

const pct = (s: Score) => (s.of ? `${((100 * s.right) / s.of).toFixed(1)}%` : '—');

export function evaluate(parse: Parser, lines: Labelled[], district: District): Evaluation {
  const e: Evaluation = {
    lines: lines.length,
    category: { right: 0, of: 0 },
    tier: { right: 0, of: 0 },
    emergencyRecall: { right: 0, of: 0 },
    falseAlarms: { right: 0, of: 0 },
    doubtCaught: { right: 0, of: 0 },
    doubtOthers: { right: 0, of: 0 },
    intent: { right: 0, of: 0 },
    location: { right: 0, of: 0 },
    locationContains: { right: 0, of: 0 },
    confusions: [],
    fieldErrors: [],
    parseMs: [],
  };
  const confusions = new Map<string, number>();
  const errors = new Map<string, number>();
  const miss = (kind: string) => errors.set(kind, (errors.get(kind) ?? 0) + 1);
  // Warm up (the first parses compile regular expressions and fill the model's tables).
  for (const r of lines.slice(0, 20)) parse(r.text);
  for (const r of lines) {
    // The median of three parses: on a shared machine one parse may wait for the CPU, which is not parse time.
    const times: number[] = [];
    let d: Draft = parse(r.text);
    for (let i = 0; i < 3; i++) {
      const start = performance.now();
      d = parse(r.text);
      times.push(performance.now() - start);
    }
    e.parseMs.push(times.sort((a, b) => a - b)[1]);
    if (r.intent === 'report' && r.category) {
      e.category.of++;
      if (d.category === r.category) e.category.right++;
      else {
        const pair = `${r.category} → ${d.category}`;
        confusions.set(pair, (confusions.get(pair) ?? 0) + 1);
      }
      const goldTier = r.emergency ? 'emergency' : district.catalogByCode.get(r.category)?.tier;
      e.tier.of++;
      if (d.tier === goldTier) e.tier.right++;
      else miss('tier');
    }
    if (r.emergency) {
      e.emergencyRecall.of++;
      if (d.emergency) e.emergencyRecall.right++;
      else {
        miss('emergency missed');
        e.doubtCaught.of++;
        if (d.alarmDoubt) e.doubtCaught.right++;
      }
    } else {
      if (r.intent === 'report') {
        e.doubtOthers.of++;
        if (d.alarmDoubt) e.doubtOthers.right++;
      }
      e.falseAlarms.of++;
      if (d.emergency) {
        e.falseAlarms.right++;
        miss('false alarm');
      }
    }
    if (!r.legacy) {
      e.intent.of++;
      if (d.intent === r.intent) e.intent.right++;
      else miss(`intent ${r.intent} → ${d.intent}`);
    }
    e.location.of++;
    if (placeMatches(d.location, r.location)) e.location.right++;
    else if (!r.location.length) miss('location where none');
    else if (!d.location) miss('location missed');
    else miss('location differs');
    if (r.legacy) {
      e.locationContains.of++;
      const gold = r.location[0];
      if (gold ? normalisePlace(d.location).includes(normalisePlace(gold)) : true) e.locationContains.right++;
    }
  }
  e.confusions = [...confusions].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  e.fieldErrors = [...errors].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  return e;
}

export function percentile(values: number[], p: number): number {
  if (!values.length) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

/** The evaluation as a few lines of text for a person: figures, then the commonest confusions. */
export function formatEvaluation(e: Evaluation, top = 10): string {
  const out = [
    `lines: ${e.lines}`,
    `category: ${pct(e.category)} (${e.category.right}/${e.category.of} reports)`,
    `tier: ${pct(e.tier)} (${e.tier.right}/${e.tier.of})`,
    `emergency recall: ${pct(e.emergencyRecall)} (${e.emergencyRecall.right}/${e.emergencyRecall.of})`,
    `false alarms: ${pct(e.falseAlarms)} (${e.falseAlarms.right}/${e.falseAlarms.of})`,
    `missed emergencies marked for checking: ${e.doubtCaught.right}/${e.doubtCaught.of}; other reports marked: ${pct(e.doubtOthers)} (${e.doubtOthers.right}/${e.doubtOthers.of})`,
    `intent: ${pct(e.intent)} (${e.intent.right}/${e.intent.of})`,
    `location: ${pct(e.location)} (${e.location.right}/${e.location.of})`,
  ];
  if (e.locationContains.of)
    out.push(
      `location (contains the labelled place): ${pct(e.locationContains)} (${e.locationContains.right}/${e.locationContains.of})`,
    );
  out.push(
    `parse time per report: p50 ${percentile(e.parseMs, 50).toFixed(2)} ms, p99 ${percentile(e.parseMs, 99).toFixed(2)} ms`,
  );
  out.push('most common confusions (gold → predicted):');
  for (const [pair, n] of e.confusions.slice(0, top)) out.push(`  ${n}  ${pair}`);
  if (!e.confusions.length) out.push('  none');
  out.push('field errors:');
  for (const [kind, n] of e.fieldErrors.slice(0, top)) out.push(`  ${n}  ${kind}`);
  if (!e.fieldErrors.length) out.push('  none');
  return out.join('\n');
}
