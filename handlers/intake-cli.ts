// `huying parse`: one report per input line in, one JSON draft summary per line out; `--eval FILE` scores the parser.
import { createInterface } from 'node:readline';
import type { District } from '../config/district.ts';
import { CorpusError, readCorpus } from './intake/corpus.ts';
import { evaluate, formatEvaluation } from './intake/evaluate.ts';
import { createParser } from './intake.ts';

/** Reads reports line by line, writes `{category, tier, departments, emergency, alarmDoubt, location, intent, confidence}` per report; returns the count. */
export async function runParseCli(
  input: NodeJS.ReadableStream,
  output: NodeJS.WritableStream,
  district: District,
): Promise<number> {
  const parse = createParser(district);
  let count = 0;
  for await (const line of createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY })) {
    if (!line.trim()) continue;
    const d = parse(line);
    // Built field by field so the key order is fixed whatever Draft's order becomes.
    const out = {
      category: d.category,
      tier: d.tier,
      departments: d.departments,
      emergency: d.emergency,
      alarmDoubt: d.alarmDoubt,
      location: d.location,
      intent: d.intent,
      confidence: d.confidence,
    };
    // Respect backpressure: a large file piped to a slow consumer should not pile up in memory.
    if (!output.write(`${JSON.stringify(out)}\n`)) await new Promise((r) => output.once('drain', r));
    count++;
  }
  return count;
}

export { CorpusError };

/** Scores the parser on a labelled file (JSON lines) and writes the figures and the commonest confusions. */
export function runEvalCli(file: string, output: NodeJS.WritableStream, district: District): void {
  const lines = readCorpus(file);
  const parse = createParser(district);
  output.write(`${file}\n${formatEvaluation(evaluate(parse, lines, district))}\n`);
}
