// The learned models (naive Bayes over words and characters): trained with wink's classifier, loaded once from the committed weights.
import { readFileSync } from 'node:fs';
import createClassifier from 'wink-naive-bayes-text-classifier';

export const WEIGHTS_URL = new URL('./weights/', import.meta.url);
export const MODEL_NAMES = ['category', 'intent', 'emergency'] as const;
export type ModelName = (typeof MODEL_NAMES)[number];

/** The wink classifier's settings: presence, not counts (short texts), add-one smoothing. */
export const NB_CONFIG = { considerOnlyPresence: true, smoothingFactor: 1 };

/**
 * A message's tokens as numbers: every token any loaded model knows is numbered once per process,
 * so a message's tokens are looked up once for all three models (-1: no model knows it).
 */
export type TokenIds = Int32Array;

const tokenNumbers = new Map<string, number>();

function numberOf(token: string): number {
  let n = tokenNumbers.get(token);
  if (n === undefined) {
    n = tokenNumbers.size;
    tokenNumbers.set(token, n);
  }
  return n;
}

/** The numbers of `tokens`, in order (-1 for a token no loaded model knows). */
export function tokenIds(tokens: readonly string[]): TokenIds {
  const out = new Int32Array(tokens.length);
  for (let i = 0; i < tokens.length; i++) out[i] = tokenNumbers.get(tokens[i]) ?? -1;
  return out;
}

export interface Model {
  labels: string[];
  /** log2 odds of each label against the others; empty when no token was seen in training */
  odds(tokens: readonly string[] | TokenIds): Map<string, number>;
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
 * wink's own odds (computeOdds), from a table computed at load: per vocabulary token, its log
 * likelihood under each label and then under all the other labels together. wink sums over every
 * other label for every token of every label, ~3 ms a report with 21 categories; the table makes
 * it a few microseconds, and the parsed JSON is not kept. The arithmetic is wink's, step for step,
 * and a test holds the two equal.
 */
export function modelFromJSON(json: string): Model {
  const [config, samples, count, words, vocabulary] = JSON.parse(json) as WinkJSON;
  const labels = Object.keys(samples);
  const n = labels.length;
  const voc = [...new Set(vocabulary)];
  const sf = config.smoothingFactor;
  const total = labels.reduce((s, l) => s + samples[l], 0);
  const allWords = labels.reduce((s, l) => s + words[l], 0);
  const prior = labels.map((l) => Math.log2(samples[l]) - Math.log2(total));
  const inversePrior = labels.map((l) => Math.log2(total - samples[l]) - Math.log2(total));
  const denominator = labels.map((l) => Math.log2(words[l] + voc.length * sf));
  const inverseDenominator = labels.map((l) => Math.log2(allWords - words[l] + voc.length * sf));
  const table = new Float64Array(voc.length * 2 * n);
  const ids = voc.map(numberOf);
  // the row of each process-wide token number this model knows (-1: unknown to it)
  const rowOf = new Int32Array(tokenNumbers.size).fill(-1);
  const c = new Float64Array(n);
  voc.forEach((t, r) => {
    rowOf[ids[r]] = r;
    let sum = 0;
    for (let k = 0; k < n; k++) {
      c[k] = count[labels[k]][t] ?? 0;
      sum += c[k];
    }
    const row = r * 2 * n;
    for (let k = 0; k < n; k++) {
      table[row + k] = Math.log2(c[k] + sf) - denominator[k];
      table[row + n + k] = Math.log2(sum - c[k] + sf) - inverseDenominator[k];
    }
  });
  const sortedLabels = [...labels].sort();
  return {
    labels: sortedLabels,
    odds(tokens) {
      const out = new Map<string, number>();
      const numbers = tokens instanceof Int32Array ? tokens : tokenIds(tokens);
      const lh = new Float64Array(n);
      const ilh = new Float64Array(n);
      let known = 0;
      for (let i = 0; i < numbers.length; i++) {
        const id = numbers[i];
        const r = id >= 0 && id < rowOf.length ? rowOf[id] : -1;
        if (r < 0) continue;
        known++;
        const row = r * 2 * n;
        for (let k = 0; k < n; k++) {
          lh[k] += table[row + k];
          ilh[k] += table[row + n + k];
        }
      }
      if (!known) return out;
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
export function trainModel(examples: { tokens: string[]; label: string }[], minCount = 3): string {
  // Tokens seen in fewer than `minCount` messages carry little evidence and grow the file and the heap:
  // at 3 rather than 2 the weights are a sixth smaller and the models take 2.3 MiB less heap, with the
  // held-out fifth's figures unchanged within a few lines (TRAINING.md, item 14).
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
