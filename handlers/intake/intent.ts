// Is a message a new report, a thank-you, a follow-up, a question or chit-chat? The model's odds plus a few firm signals.
import type { Intent } from './corpus.ts';
import { BUT_ALSO, CHITCHAT, FOLLOWUP, QUESTION, THANKS } from './intent-words.ts';
import type { Model } from './model.ts';

export interface IntentEvidence {
  /** the normalised text */
  text: string;
  tokens: string[];
  /** how strongly the catalog's words point at a matter (the best keyword score) */
  matter: number;
  emergency: boolean;
}

export interface IntentResult {
  intent: Intent;
  scores: Map<Intent, number>;
}

const INTENTS: Intent[] = ['report', 'thanks', 'followup', 'question', 'chitchat'];

/** Model odds are log2 odds; scaled so a firm signal below can outweigh a weak model lead. */
const MODEL_SCALE = 0.25;

export function classifyIntent(model: Model, e: IntentEvidence): IntentResult {
  const odds = model.odds(e.tokens);
  const scores = new Map<Intent, number>(INTENTS.map((i) => [i, (odds.get(i) ?? 0) * MODEL_SCALE]));
  const add = (i: Intent, v: number) => scores.set(i, scores.get(i)! + v);
  const t = e.text;
  const thanks = THANKS.test(t);
  const more = BUT_ALSO.test(t);
  if (thanks) add('thanks', more ? 0.5 : 3);
  if (FOLLOWUP.test(t)) add('followup', 2.5);
  if (QUESTION.test(t)) add('question', 1.5);
  if (CHITCHAT.test(t)) add('chitchat', 1.5);
  // A described matter is a report, whatever else the message does; more so a danger.
  add('report', Math.min(3, e.matter) * 0.8 + (more ? 1 : 0));
  if (e.emergency) add('report', 6);
  if (t.replace(/[^\p{Script=Han}a-z0-9]/gu, '').length <= 2) add('chitchat', 2);
  let best: Intent = 'report';
  for (const i of INTENTS) if (scores.get(i)! > scores.get(best)!) best = i;
  return { intent: best, scores };
}
