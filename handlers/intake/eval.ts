// `npm run eval`: the parser's figures on the fixed test split (when present) and on the old 171-report set.
// `-- --holdout 5` also trains a model without every 5th training line and scores it on those lines;
// `-- --without-test` leaves the test split out (while working, so that nothing is tuned on it).
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { loadDistrict } from '../../config/district.ts';
import { createParser } from '../intake.ts';
import { readCorpus } from './corpus.ts';
import { evaluate, formatEvaluation } from './evaluate.ts';
import { isHeldOut, readWaves, TRAIN_URL, trainWeights } from './train.ts';

const TEST_URL = new URL('../../test/fixtures/corpus/test.jsonl', import.meta.url);
const OLD_URL = new URL('../../test/fixtures/reports.jsonl', import.meta.url);

function main() {
  const { values } = parseArgs({
    options: { holdout: { type: 'string' }, 'without-test': { type: 'boolean', default: false } },
  });
  const district = loadDistrict();
  const parse = createParser(district);
  const sections: [string, URL][] = [
    ['test split (test/fixtures/corpus/test.jsonl)', TEST_URL],
    ['old labelled set (test/fixtures/reports.jsonl)', OLD_URL],
  ];
  for (const [title, url] of sections) {
    if (url === TEST_URL && values['without-test']) continue;
    if (!existsSync(url)) {
      console.log(`== ${title}: not present\n`);
      continue;
    }
    console.log(`== ${title}\n${formatEvaluation(evaluate(parse, readCorpus(url.pathname), district))}\n`);
  }
  const k = Number(values.holdout ?? 0);
  if (k > 1) {
    const all = readCorpus(TRAIN_URL.pathname);
    const dir = mkdtempSync(join(tmpdir(), 'huying-holdout-'));
    try {
      for (const [name, json] of Object.entries(
        trainWeights(
          all.filter((_, i) => !isHeldOut(i, k)),
          readWaves(),
        ),
      ))
        writeFileSync(join(dir, `${name}.json`), json);
      const held = all.filter((_, i) => isHeldOut(i, k));
      const heldParse = createParser(district, { weights: pathToFileURL(`${dir}/`) });
      console.log(`== every ${k}th training line, held out of a model trained on the rest`);
      console.log(formatEvaluation(evaluate(heldParse, held, district)));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
}

main();
