// The learned models (naive Bayes over words and character pairs): loaded once from the committed weights.
import { readFileSync } from 'node:fs';
import createClassifier, { type NaiveBayesTextClassifier } from 'wink-naive-bayes-text-classifier';

export const WEIGHTS_URL = new URL('./weights/', import.meta.url);
export const MODEL_NAMES = ['category', 'intent'] as const;
export type ModelName = (typeof MODEL_NAMES)[number];

/** The wink classifier's settings: presence, not counts (short texts), and light smoothing. */
export const NB_CONFIG = { considerOnlyPresence: true, smoothingFactor: 0.5 };

export interface Model {
  labels: string[];
  /** log2 odds of each label against the others; empty when no token was seen in training */
  odds(tokens: string[]): Map<string, number>;
}

function wrap(nb: NaiveBayesTextClassifier): Model {
  nb.definePrepTasks([(t: string[]) => t]);
  nb.consolidate();
  const labels = Object.keys(nb.stats().labelWiseSamples).sort();
  return {
    labels,
    odds(tokens) {
      const out = new Map<string, number>();
      for (const [label, v] of nb.computeOdds(tokens)) if (label !== 'unknown') out.set(label, v);
      return out;
    },
  };
}

export function modelFromJSON(json: string): Model {
  const nb = createClassifier();
  nb.importJSON(json);
  return wrap(nb);
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
