// The learned models (naive Bayes over words and characters): trained with wink's classifier, loaded once from the committed weights.
import { readFileSync } from 'node:fs';
import createClassifier from 'wink-naive-bayes-text-classifier';

export const WEIGHTS_URL = new URL('./weights/', import.meta.url);
export const MODEL_NAMES = ['category', 'intent', 'emergency'] as const;
export type ModelName = (typeof MODEL_NAMES)[number];

/** The wink classifier's settings: presence, not counts (short texts), add-one smoothing. */
export const NB_CONFIG = { considerOnlyPresence: true, smoothingFactor: 1 };

export interface Model {
  labels: string[];
  /** log2 odds of each label against the others; empty when no token was seen in training */
  odds(tokens: string[]): Map<string, number>;
}

/** wink's exported learning: [config, samples per label, counts per label and token, tokens per label, vocabulary]. */
type WinkJSON = [
  { smoothingFactor: number },
  Record<string, number>,
  Record<string, Record<string, number>>,
  Record<string, number>,
  string[],
];

/**
 * wink's own odds (computeOdds), computed from tables kept per token: wink sums over every other
 * label for every token of every label, ~3 ms a report with 21 categories; the tables make it
 * ~0.1 ms. The arithmetic is wink's, step for step, and a test holds the two equal.
 */
export function modelFromJSON(json: string): Model {
  const [config, samples, count, words, vocabulary] = JSON.parse(json) as WinkJSON;
  const labels = Object.keys(samples);
  const voc = new Set(vocabulary);
  const sf = config.smoothingFactor;
  const total = labels.reduce((s, l) => s + samples[l], 0);
  const allWords = labels.reduce((s, l) => s + words[l], 0);
  const prior = labels.map((l) => Math.log2(samples[l]) - Math.log2(total));
  const inversePrior = labels.map((l) => Math.log2(total - samples[l]) - Math.log2(total));
  const denominator = labels.map((l) => Math.log2(words[l] + voc.size * sf));
  const inverseDenominator = labels.map((l) => Math.log2(allWords - words[l] + voc.size * sf));
  const tables = new Map<string, Float64Array>();
  // Per token: its log likelihood under each label, then under all the other labels together.
  const table = (t: string) => {
    let row = tables.get(t);
    if (!row) {
      const n = labels.length;
      row = new Float64Array(2 * n);
      const c = labels.map((l) => count[l][t] ?? 0);
      const sum = c.reduce((a, b) => a + b, 0);
      for (let k = 0; k < n; k++) {
        row[k] = Math.log2(c[k] + sf) - denominator[k];
        row[n + k] = Math.log2(sum - c[k] + sf) - inverseDenominator[k];
      }
      tables.set(t, row);
    }
    return row;
  };
  return {
    labels: [...labels].sort(),
    odds(tokens) {
      const out = new Map<string, number>();
      const known = tokens.filter((t) => voc.has(t));
      if (!known.length) return out;
      const n = labels.length;
      const lh = new Float64Array(n);
      const ilh = new Float64Array(n);
      for (const t of known) {
        const row = table(t);
        for (let k = 0; k < n; k++) {
          lh[k] += row[k];
          ilh[k] += row[n + k];
        }
      }
      for (let k = 0; k < n; k++) out.set(labels[k], lh[k] + prior[k] - (ilh[k] + inversePrior[k]));
      return out;
    },
  };
}

const loaded = new Map<string, Model>();

/** A model from `dir` (the committed weights by default); read and parsed once per process. */
export function loadModel(name: ModelName, dir: URL = WEIGHTS_URL): Model {
  const url = new URL(`${name}.json`, dir);
  let m = loaded.get(url.href);
  if (!m) {
    m = modelFromJSON(readFileSync(url, 'utf8'));
    loaded.set(url.href, m);
  }
  return m;
}

/** wink's classifier over the same weights, for checking the tables above against it. */
export function winkOdds(json: string, tokens: string[]): Map<string, number> {
  const nb = createClassifier();
  nb.importJSON(json);
  nb.definePrepTasks([(t: string[]) => t]);
  nb.consolidate();
  return new Map(nb.computeOdds(tokens).filter(([l]) => l !== 'unknown'));
}

/** Trains one model on (tokens, label) pairs in the order given; the same pairs give the same JSON. */
export function trainModel(examples: { tokens: string[]; label: string }[], minCount = 2): string {
  // Tokens seen in fewer than `minCount` messages carry no evidence and only grow the file.
  const df = new Map<string, number>();
  for (const e of examples) for (const t of new Set(e.tokens)) df.set(t, (df.get(t) ?? 0) + 1);
  const nb = createClassifier();
  nb.defineConfig(NB_CONFIG);
  nb.definePrepTasks([(t: string[]) => t]);
  for (const e of examples)
    nb.learn(
      e.tokens.filter((t) => (df.get(t) ?? 0) >= minCount),
      e.label,
    );
  return nb.exportJSON();
}
