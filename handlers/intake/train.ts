// `npm run train`: trains the category, intent and emergency models from the training corpus and writes the weights.
// Deterministic: the same corpus (and district words) gives byte-identical files.
import { mkdirSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { loadDistrict } from '../../config/district.ts';
import { type Labelled, readCorpus } from './corpus.ts';
import { emergencyFeatures } from './emergency-score.ts';
import { features } from './features.ts';
import { keywordScorer } from './keywords.ts';
import { trainLogistic, trainModel, WEIGHTS_URL } from './model.ts';
import { cleanText, normalise } from './normalize.ts';

export const TRAIN_URL = new URL('../../test/fixtures/corpus/train.jsonl', import.meta.url);

/** Every `k`-th line (1-based) is held out: the development split used before the test split exists. */
export const isHeldOut = (index: number, k: number) => k > 0 && (index + 1) % k === 0;

/**
 * The waves read and made rules for, kept beside the training corpus: the category and intent
 * models learn from them too, the emergency models do not (trained on them, those found fewer of
 * the kept-out waves' emergencies each time it was tried: TRAINING.md, items 19 and 20).
 */
export const READ_WAVE_URLS = [21, 23, 25, 27, 29, 31, 33, 35, 37, 39].map(
  (n) => new URL(`../../test/fixtures/corpus/read${n}.jsonl`, import.meta.url),
);
export const readWaves = (): Labelled[] => READ_WAVE_URLS.flatMap((u) => readCorpus(u.pathname));

/** The four models' weights from `lines`; `alsoForCategoryAndIntent` (the read waves) teach those two only. */
export function trainWeights(
  lines: Labelled[],
  alsoForCategoryAndIntent: Labelled[] = [],
): Record<'category' | 'intent' | 'emergency' | 'emergency-linear', string> {
  // The sample district's words go into the segmenter first, as they do when the service parses.
  keywordScorer(loadDistrict());
  const all = [...lines, ...alsoForCategoryAndIntent];
  const texts = all.map((r) => normalise(cleanText(r.text)));
  const tokens = texts.map((t) => features(t));
  const reports = all.flatMap((r, i) =>
    r.intent === 'report' ? [{ tokens: tokens[i], label: r.category! }] : [],
  );
  const danger = lines.map((r, i) => ({ tokens: emergencyFeatures(texts[i]), positive: r.emergency }));
  return {
    category: trainModel(reports),
    intent: trainModel(all.map((r, i) => ({ tokens: tokens[i], label: r.intent }))),
    // every line, reports or not: a thank-you that names a fire is a line that is no emergency
    emergency: trainModel(danger.map((d) => ({ tokens: d.tokens, label: d.positive ? 'yes' : 'no' }))),
    // the same lines for the logistic regression read beside it (EMERGENCY_MIX)
    'emergency-linear': trainLogistic(danger, 'yes'),
  };
}

async function main() {
  const { values } = parseArgs({
    options: {
      holdout: { type: 'string', default: '0' },
      out: { type: 'string' },
      corpus: { type: 'string' },
    },
  });
  const k = Number(values.holdout);
  const all = readCorpus(values.corpus ?? TRAIN_URL.pathname);
  const lines = all.filter((_, i) => !isHeldOut(i, k));
  // a corpus given on the command line is trained on alone
  const weights = trainWeights(lines, values.corpus ? [] : readWaves());
  const dir = values.out ? new URL(`file://${values.out.replace(/\/?$/, '/')}`) : WEIGHTS_URL;
  mkdirSync(dir, { recursive: true });
  for (const [name, json] of Object.entries(weights))
    writeFileSync(new URL(`${name}.json`, dir), `${json}\n`);
  const size = Object.values(weights).reduce((s, j) => s + j.length, 0);
  console.log(
    `trained on ${lines.length} of ${all.length} lines${values.corpus ? '' : ' (and the read waves, for category and intent)'}; weights ${(size / 1024).toFixed(0)} KiB in ${dir.pathname}`,
  );
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
