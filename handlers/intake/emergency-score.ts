// The learned emergency score: a naive Bayes model's belief that a message tells of danger now, a safety net under the rules.
import { type EmergencyFinding, maskLookAlikes } from './emergency.ts';
import {
  CALL_NUMBER,
  DRILL,
  FALSE_ALARM,
  GENERIC_QUESTION,
  HABIT,
  HOW_TO,
  HOW_TO_FIRST,
  HYPOTHETICAL,
  JOKE_OR_CHASE,
  NOBODY,
  PAST,
  PRESENT,
  PRESENT_STRONG,
  RESOLVED,
  THANKED,
} from './emergency-words.ts';
import { features } from './features.ts';
import { type Model, type TokenIds, tokenIds } from './model.ts';

export interface EmergencyTuning {
  /** log2 odds of `yes` over `no` from which the model alone raises the alarm */
  threshold: number;
  /** the lead of thanks, a follow-up, a question or chit-chat over `report` above which an alarm is dropped */
  intentLead: number;
  /** the fewest Chinese characters a message needs for that: a short cry (救命啊, 有人落水) is never dropped */
  intentMinChars: number;
}

export const EMERGENCY_TUNING: EmergencyTuning = { threshold: 17, intentLead: 2, intentMinChars: 10 };

const HAN = /\p{Script=Han}/gu;

/**
 * The intent's veto over an alarm: a message read firmly as something other than a report (the
 * intent model and its signals, without the alarm's own weight) by at least `intentLead`, at least
 * `intentMinChars` Chinese characters long, with no word of urgency now (现在, 正在, 快来, 赶紧 …),
 * speaks of a danger without reporting one: thanks for a rescue, a question about a past alarm, a
 * rumour put right, chit-chat about hot pot. Judged on blind batches and, out of fold, on the
 * training corpus before it was adopted (TRAINING.md, item 12): no emergency there was dropped.
 */
export function notReported(
  normalised: string,
  lead: number,
  tuning: EmergencyTuning = EMERGENCY_TUNING,
): boolean {
  return (
    lead > tuning.intentLead &&
    (normalised.match(HAN)?.length ?? 0) >= tuning.intentMinChars &&
    !PRESENT_STRONG.test(normalised)
  );
}

/** What the model reads: the features of the text with the figures of speech masked (火锅, 气死, 燃面). */
export const emergencyFeatures = (normalised: string) => features(maskLookAlikes(normalised));

/**
 * The rules' vetoes over the whole message, for an alarm the model raises where the rules found
 * no danger word to judge: a worry (万一, 怕哪天), a past or settled event, a drill or the news,
 * a false alarm, nobody inside, a call already made, a habit (天天, 三天两头), a general question.
 */
export function notNow(text: string): boolean {
  const now = PRESENT.test(text);
  return (
    HYPOTHETICAL.test(text) ||
    (JOKE_OR_CHASE.test(text) && !PRESENT_STRONG.test(text)) ||
    FALSE_ALARM.test(text) ||
    NOBODY.test(text) ||
    (CALL_NUMBER.test(text) && !PRESENT_STRONG.test(text)) ||
    (HABIT.test(text) && !now) ||
    (PAST.test(text) && !PRESENT_STRONG.test(text)) ||
    (DRILL.test(text) && !now) ||
    ((RESOLVED.test(text) || THANKED.test(text)) && !now) ||
    ((GENERIC_QUESTION.test(text) || HOW_TO.test(text) || HOW_TO_FIRST.test(text)) && !now)
  );
}

export interface LearnedEmergency {
  /** the model's log2 odds of an emergency (0 when it knows none of the words; null when not asked) */
  score: number | null;
  /** whether the model raises the alarm the rules did not */
  emergency: boolean;
}

/**
 * The model speaks only where the rules are silent: when a rule matched a danger word and judged
 * it not happening now (a worry, a past fire, a drill, nobody inside), that judgement stands, and
 * the model is not asked. `unmaskedTokens` (the numbered features of the unmasked text) spare
 * computing them again when no look-alike was masked.
 */
export function learnedEmergency(
  model: Model,
  normalised: string,
  rules: EmergencyFinding,
  tuning: EmergencyTuning = EMERGENCY_TUNING,
  unmaskedTokens?: TokenIds,
): LearnedEmergency {
  if (rules.emergency || rules.mentioned.length) return { score: null, emergency: false };
  const tokens =
    unmaskedTokens && rules.masked === normalised ? unmaskedTokens : tokenIds(features(rules.masked));
  const score = model.odds(tokens).get('yes') ?? 0;
  return { score, emergency: score >= tuning.threshold && !notNow(normalised) };
}
