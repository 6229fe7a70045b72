// Is a message a new report, a thank-you, a follow-up, a question or chit-chat? The model's odds plus a few firm signals.
import type { Intent } from './corpus.ts';
import {
  BUT_ALSO,
  CHITCHAT,
  FOLLOWUP,
  FOLLOWUP_OPENING,
  GENERAL_QUESTION,
  PLEASANT,
  PROBLEM,
  QUESTION,
  THANKS,
} from './intent-words.ts';
import type { Model, TokenIds } from './model.ts';

export interface IntentEvidence {
  /** the normalised text */
  text: string;
  tokens: readonly string[] | TokenIds;
  /** how strongly the catalog's words point at a matter (the best keyword score) */
  matter: number;
  /** the message names a place */
  placed: boolean;
}

export interface IntentResult {
  intent: Intent;
  scores: Map<Intent, number>;
}

const INTENTS: Intent[] = ['report', 'thanks', 'followup', 'question', 'chitchat'];

export interface IntentTuning {
  /** the model's log2 odds are scaled so that a firm signal below can outweigh a weak model lead */
  modelScale: number;
  thanks: number;
  followup: number;
  followupOpening: number;
  question: number;
  chitchat: number;
  /** per unit of the best keyword score (up to 3): a described matter is a report */
  matter: number;
  /** per word of trouble (up to 2), and taken away when there is none */
  problem: number;
  generalQuestion: number;
  place: number;
}

export const INTENT_TUNING: IntentTuning = {
  modelScale: 0.08,
  thanks: 3,
  followup: 3.5,
  followupOpening: 2,
  question: 1.5,
  chitchat: 2.5,
  matter: 0.5,
  problem: 0.5,
  generalQuestion: 2,
  place: 0,
};

export function classifyIntent(
  model: Model,
  e: IntentEvidence,
  w: IntentTuning = INTENT_TUNING,
): IntentResult {
  const odds = model.odds(e.tokens);
  const scores = new Map<Intent, number>(INTENTS.map((i) => [i, (odds.get(i) ?? 0) * w.modelScale]));
  const add = (i: Intent, v: number) => scores.set(i, scores.get(i)! + v);
  const t = e.text;
  const more = BUT_ALSO.test(t);
  if (THANKS.test(t)) add('thanks', more ? w.thanks / 6 : w.thanks);
  if (FOLLOWUP.test(t)) add('followup', w.followup);
  if (FOLLOWUP_OPENING.test(t)) add('followup', w.followupOpening);
  if (QUESTION.test(t)) add('question', w.question);
  if (CHITCHAT.test(t)) add('chitchat', w.chitchat);
  // A described matter is a report, whatever else the message does; more so a danger.
  add('report', Math.min(3, e.matter) * w.matter + (more ? 1 : 0));
  const trouble = t.match(PROBLEM)?.length ?? 0;
  add('report', trouble ? Math.min(2, trouble) * w.problem : -2 * w.problem);
  if (GENERAL_QUESTION.test(t)) add('question', w.generalQuestion);
  if (e.placed) add('report', w.place);
  if (PLEASANT.test(t) && !trouble) add('chitchat', w.chitchat);
  if (t.replace(/[^\p{Script=Han}a-z0-9]/gu, '').length <= 2) add('chitchat', 2);
  return { intent: best(scores), scores };
}

/** What an alarm adds to `report`: a danger said now is a report, unless the message is firmly something else. */
export const ALARM_REPORT = 6;

function best(scores: Map<Intent, number>): Intent {
  let top: Intent = 'report';
  for (const i of INTENTS) if (scores.get(i)! > scores.get(top)!) top = i;
  return top;
}

/** The intent read without an alarm, with the alarm's weight added afterwards (the scores are not changed). */
export function withAlarm(result: IntentResult): IntentResult {
  const scores = new Map(result.scores);
  scores.set('report', scores.get('report')! + ALARM_REPORT);
  return { intent: best(scores), scores };
}

/** By how much the best intent leads `report` (0 when the message reads as a report). */
export function nonReportLead(result: IntentResult): number {
  return result.intent === 'report' ? 0 : result.scores.get(result.intent)! - result.scores.get('report')!;
}
