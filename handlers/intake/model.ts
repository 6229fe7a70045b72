// The learned models (naive Bayes over words and characters): trained with wink's classifier, loaded once from the committed weights.
import { readFileSync } from 'node:fs';
import createClassifier from 'wink-naive-bayes-text-classifier';

export const WEIGHTS_URL = new URL('./weights/', import.meta.url);
export const MODEL_NAMES = ['category', 'intent', 'emergency', 'emergency-linear'] as const;
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

/** The row of each process-wide token number among a model's `tokens` (-1: unknown to it). */
function rowsOf(tokens: readonly string[]): Int32Array {
  const ids = tokens.map(numberOf);
  const rowOf = new Int32Array(tokenNumbers.size).fill(-1);
  ids.forEach((id, r) => {
    rowOf[id] = r;
  });
  return rowOf;
}

/** How many of `examples` hold each token (a token said twice in a message counts once). */
function messagesWith(examples: readonly { tokens: readonly string[] }[]): Map<string, number> {
  const df = new Map<string, number>();
  for (const e of examples) for (const t of new Set(e.tokens)) df.set(t, (df.get(t) ?? 0) + 1);
  return df;
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
  const rowOf = rowsOf(voc);
  const c = new Float64Array(n);
  voc.forEach((t, r) => {
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

/** A linear model's file: log2 odds of `label` = `bias` + the weights of the tokens present. */
interface LinearJSON {
  kind: 'logistic';
  label: string;
  bias: number;
  weights: Record<string, number>;
}

/**
 * A logistic regression's log2 odds over the tokens present (each counted once), from its file;
 * empty when none of them was seen in training, as for the naive Bayes models.
 */
export function linearFromJSON(json: string): Model {
  const { label, bias, weights } = JSON.parse(json) as LinearJSON;
  const tokens = Object.keys(weights);
  const rowOf = rowsOf(tokens);
  const w = Float64Array.from(tokens, (t) => weights[t]);
  // the last message each weight was added for: a token said twice counts once
  const seen = new Uint32Array(tokens.length);
  let stamp = 0;
  return {
    labels: [label],
    odds(input) {
      const numbers = input instanceof Int32Array ? input : tokenIds(input);
      stamp = (stamp + 1) >>> 0 || 1;
      let z = bias;
      let known = 0;
      for (let i = 0; i < numbers.length; i++) {
        const id = numbers[i];
        const r = id >= 0 && id < rowOf.length ? rowOf[id] : -1;
        if (r < 0 || seen[r] === stamp) continue;
        seen[r] = stamp;
        known++;
        z += w[r];
      }
      return known ? new Map([[label, z]]) : new Map();
    },
  };
}

/**
 * Models read together: each label's log2 odds are the weighted sum of the parts' (a part that
 * knows none of the tokens adds nothing); empty when no part knows any of them.
 */
export function mixModels(parts: readonly (readonly [Model, number])[]): Model {
  return {
    labels: [...new Set(parts.flatMap(([m]) => m.labels))].sort(),
    odds(tokens) {
      const out = new Map<string, number>();
      for (const [m, weight] of parts)
        for (const [label, v] of m.odds(tokens)) out.set(label, (out.get(label) ?? 0) + weight * v);
      return out;
    },
  };
}

/** The settings of the logistic regression: AdaGrad steps over a fixed shuffle, a light L2 pull. */
export const LOGISTIC_CONFIG = { epochs: 15, rate: 0.5, l2: 1e-4, seed: 7, minCount: 3 };

/**
 * Trains a logistic regression of `positive` on the presence of tokens (those in `minCount`
 * messages or more), with AdaGrad over a shuffle fixed by `seed`: the same examples give the same
 * JSON. Weights are written in log2 units, rounded to 1/10,000, the same scale as the naive Bayes
 * odds. Sparse and tens of thousands of tokens wide, which the dense matrices of JavaScript's
 * machine-learning libraries cannot hold (12,000 messages by 40,000 tokens), hence its own loop.
 */
export function trainLogistic(
  examples: { tokens: string[]; positive: boolean }[],
  label: string,
  config = LOGISTIC_CONFIG,
): string {
  const df = messagesWith(examples);
  const index = new Map<string, number>();
  for (const [t, c] of df) if (c >= config.minCount) index.set(t, index.size);
  const rows = examples.map((e) => Int32Array.from(new Set(e.tokens.flatMap((t) => index.get(t) ?? []))));
  const w = new Float64Array(index.size);
  const g2 = new Float64Array(index.size).fill(1e-8);
  let bias = 0;
  let biasG2 = 1e-8;
  const order = examples.map((_, i) => i);
  let s = config.seed >>> 0;
  const random = () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
  for (let epoch = 0; epoch < config.epochs; epoch++) {
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [order[i], order[j]] = [order[j], order[i]];
    }
    for (const i of order) {
      const x = rows[i];
      let z = bias;
      for (const k of x) z += w[k];
      const g = 1 / (1 + Math.exp(-z)) - (examples[i].positive ? 1 : 0);
      for (const k of x) {
        const gk = g + config.l2 * w[k];
        g2[k] += gk * gk;
        w[k] -= (config.rate / Math.sqrt(g2[k])) * gk;
      }
      biasG2 += g * g;
      bias -= (config.rate / Math.sqrt(biasG2)) * g;
    }
  }
  const log2 = (v: number) => Math.round((v / Math.LN2) * 1e4) / 1e4;
  const weights: Record<string, number> = {};
  for (const [t, k] of [...index].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
    if (log2(w[k]) !== 0) weights[t] = log2(w[k]);
  return JSON.stringify({ kind: 'logistic', label, bias: log2(bias), weights } satisfies LinearJSON);
}

const loaded = new Map<string, Model>();

/** A model from `dir` (the committed weights by default); read and parsed once per process. */
export function loadModel(name: ModelName, dir: URL = WEIGHTS_URL): Model {
  const url = new URL(`${name}.json`, dir);
  let m = loaded.get(url.href);
  if (!m) {
    const json = readFileSync(url, 'utf8');
    // wink's naive Bayes exports an array; a logistic regression, an object
    m = json.trimStart().startsWith('{') ? linearFromJSON(json) : modelFromJSON(json);
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
  const df = messagesWith(examples);
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
