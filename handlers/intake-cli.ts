// `huying parse`: one report per input line in, one JSON draft summary per line out (for checking the parser by hand).
import { createInterface } from 'node:readline';
import type { District } from '../config/district.ts';
import { createParser } from './intake.ts';

/** Reads reports line by line, writes `{category, tier, departments, emergency, location}` per report; returns the count. */
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
      location: d.location,
    };
    // Respect backpressure: a large file piped to a slow consumer should not pile up in memory.
    if (!output.write(`${JSON.stringify(out)}\n`)) await new Promise((r) => output.once('drain', r));
    count++;
  }
  return count;
}
