// `npm run bench`: runs each section (each measures its own baseline in the same run) and
// writes the figures to bench-results/latest.json and the console.
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface BenchSection {
  name: string;
  run(): Promise<Record<string, unknown>>;
}

const here = dirname(fileURLToPath(import.meta.url));
const only = process.argv.slice(2);
const files = readdirSync(here)
  .filter((f) => f.endsWith('.bench.ts'))
  .sort();
const results: Record<string, unknown> = {};
for (const f of files) {
  const section: BenchSection = (await import(join(here, f))).default;
  if (only.length && !only.includes(section.name)) continue;
  console.log(`\n== ${section.name}`);
  const started = Date.now();
  results[section.name] = await section.run();
  console.log(
    JSON.stringify(results[section.name], null, 2),
    `\n(${((Date.now() - started) / 1000).toFixed(1)} s)`,
  );
}
mkdirSync('bench-results', { recursive: true });
writeFileSync(
  join('bench-results', 'latest.json'),
  JSON.stringify({ at: new Date().toISOString(), results }, null, 2),
);
process.exit(0);
