// Labelled messages (JSON lines) for training and evaluating the parser: one schema, read and checked in one place.
import { readFileSync } from 'node:fs';
import { z } from 'zod';

export const INTENTS = ['report', 'thanks', 'followup', 'question', 'chitchat'] as const;
export type Intent = (typeof INTENTS)[number];
export const STYLES = [
  'formal',
  'colloquial',
  'dialect',
  'voice',
  'typo',
  'emoji',
  'short',
  'long',
  'two_matters',
  'nonreport',
] as const;

const line = z.object({
  id: z.string().min(1),
  text: z.string().min(1),
  intent: z.enum(INTENTS),
  category: z.string().min(1).nullable(),
  emergency: z.boolean(),
  location: z.array(z.string().min(1)),
  style: z.enum(STYLES),
});
/** `legacy`: from the old set, which labels no intent and one location by containment. */
export type Labelled = z.infer<typeof line> & { legacy?: boolean };

/** The old 171-report set: no intent or style, one location string or null. */
const oldLine = z.object({
  text: z.string().min(1),
  category: z.string().min(1),
  emergency: z.boolean(),
  location: z.string().min(1).nullable(),
});

export class CorpusError extends Error {}

/** Reads a labelled file in either format; every problem is listed with its line number. */
export function readCorpus(path: string): Labelled[] {
  const out: Labelled[] = [];
  const problems: string[] = [];
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new CorpusError(
      `cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
    );
  }
  text.split('\n').forEach((raw, i) => {
    if (!raw.trim()) return;
    let json: unknown;
    try {
      json = JSON.parse(raw);
    } catch {
      problems.push(`line ${i + 1}: not JSON`);
      return;
    }
    const full = line.safeParse(json);
    if (full.success) {
      const r = full.data;
      const stray = r.location.find((l) => !r.text.includes(l));
      if (stray) problems.push(`line ${i + 1}: location "${stray}" is not in the text`);
      if ((r.intent === 'report') !== (r.category !== null))
        problems.push(`line ${i + 1}: a report needs a category and nothing else has one`);
      out.push(r);
      return;
    }
    const old = oldLine.safeParse(json);
    if (old.success) {
      const r = old.data;
      out.push({
        id: `old${i + 1}`,
        text: r.text,
        intent: 'report',
        category: r.category,
        emergency: r.emergency,
        location: r.location ? [r.location] : [],
        style: 'colloquial',
        legacy: true,
      });
      return;
    }
    problems.push(
      `line ${i + 1}: ${full.error.issues.map((p) => `${p.path.join('.')}: ${p.message}`).join('; ')}`,
    );
  });
  if (problems.length) throw new CorpusError(`${path}:\n  ${problems.slice(0, 20).join('\n  ')}`);
  return out;
}
