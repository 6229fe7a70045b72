// The learned emergency score: a naive Bayes model's belief that a message tells of danger now, a safety net under the rules.
import {
  type EmergencyFinding,
  hanCount,
  lastTurn,
  maskLookAlikes,
  replyWithHelp,
  SENTENCE_END,
  span,
  withoutAftermath,
  withoutJust,
} from './emergency.ts';
import {
  CALL_NUMBER,
  DRILL,
  FALSE_ALARM,
  GENERIC_QUESTION,
  HABIT,
  HAZARD_NAMED,
  HELP_ALREADY,
  HELP_COMING,
  HELP_HERE,
  HELP_WAITED,
  HOW_TO,
  HOW_TO_FIRST,
  HYPOTHETICAL,
  JOKE_OR_CHASE,
  NOBODY,
  PAST,
  PRESENT,
  PRESENT_STRONG,
  RESOLVED,
  RESPONDER,
  THANKED,
  TURNS,
} from './emergency-words.ts';
import { features } from './features.ts';
import { loadModel, type Model, mixModels, type TokenIds, tokenIds, WEIGHTS_URL } from './model.ts';

export interface EmergencyTuning {
  /** log2 odds of `yes` over `no` from which the model alone raises the alarm */
  threshold: number;
  /** log2 odds from which the model overrules the rules where they met a danger word and judged it not happening now */
  overrule: number;
  /** the lead of thanks, a follow-up, a question or chit-chat over `report` above which an alarm is dropped */
  intentLead: number;
  /** the fewest Chinese characters a message needs for that: a short cry (救命啊, 有人落水) is never dropped */
  intentMinChars: number;
  /** the score from which a report the model does not raise is still in doubt (the street is asked
   * to check it soon): out of fold, about seven in ten of the emergencies missed as reports score
   * so much, against one in twenty-five of the other reports (TRAINING.md, item 16) */
  doubt: number;
}

export const EMERGENCY_TUNING: EmergencyTuning = {
  threshold: 6,
  overrule: 10,
  intentLead: 2,
  intentMinChars: 10,
  doubt: -4,
};

/**
 * The learned score is the logistic regression's log2 odds plus a quarter of the naive Bayes
 * model's: the regression weighs words against each other, naive Bayes counts every word as
 * independent evidence and is overconfident (its odds run to ±60), and together they caught more
 * of the blind waves' emergencies than either alone at the same false alarms (TRAINING.md, item 16).
 */
export const EMERGENCY_MIX = { bayes: 0.25, linear: 1 };

/** The learned emergency score's model from `dir` (the committed weights by default; each part read once per process). */
export function loadEmergencyModel(dir: URL = WEIGHTS_URL): Model {
  return mixModels([
    [loadModel('emergency', dir), EMERGENCY_MIX.bayes],
    [loadModel('emergency-linear', dir), EMERGENCY_MIX.linear],
  ]);
}

/** A call for help, an emergency number or a cry of urgency: never set aside (快叫120, 救命, 急！). */
const CALLING_HELP = /快(叫|打|喊|来|去|救)|救命|救人|救援|急救|求救|紧急|急事|急[!！]|急急|🆘/;
/** Someone's life in the balance: 没有呼吸, 保安在按压, 哪个会心肺复苏. */
const VITAL = /没(有)?(呼吸|心跳)|心肺复苏|人工呼吸|(胸外|在)按压/;

/**
 * The intent's veto over an alarm: a message read firmly as something other than a report (the
 * intent model and its signals, without the alarm's own weight) by at least `intentLead`, at least
 * `intentMinChars` Chinese characters long, with no word of urgency now (现在, 正在, 快来, 赶紧 …)
 * no call for help (快叫, 快打, 救命, 🆘), no turn to something happening (结果, 这回, 今天, 真的有)
 * and no danger the rules found happening now said in a sentence of its own (人还在水里头！),
 * speaks of a danger without reporting one: thanks for a rescue, a question about a past alarm, a
 * rumour put right, chit-chat about hot pot. Judged on blind batches and, out of fold, on the
 * training corpus before it was adopted (TRAINING.md, item 12): no emergency there was dropped.
 */
export function notReported(
  normalised: string,
  lead: number,
  tuning: EmergencyTuning = EMERGENCY_TUNING,
  at: readonly number[] = [],
): boolean {
  return (
    lead > tuning.intentLead &&
    hanCount(normalised) >= tuning.intentMinChars &&
    !PRESENT_STRONG.test(normalised) &&
    !CALLING_HELP.test(normalised) &&
    !VITAL.test(normalised) &&
    !TURNED.test(normalised) &&
    !saidOnItsOwn(normalised, at) &&
    !normalised.includes('真的有')
  );
}

/** What the model reads: the features of the text with the figures of speech masked (火锅, 气死, 燃面). */
export const emergencyFeatures = (normalised: string) => features(maskLookAlikes(normalised));

const TURNED = new RegExp(TURNS.source);
/** Every word that says it is over, so that 现在 in 现在好了 is not read as something going on now. */
const RESOLVED_ALL = new RegExp(`(现在)?(${RESOLVED.source})`, 'g');
/**
 * Whether a danger the rules found happening now is said in a sentence of its own: cried out
 * (请问该打哪个电话啊，人还在水里头！) or told after the question (请问先打119还是找物业？隔壁厨房着火了).
 */
function saidOnItsOwn(normalised: string, at: readonly number[]): boolean {
  return at.some((i) => {
    const [start, end] = span(normalised, i, SENTENCE_END);
    return normalised[end] === '!' || (normalised[end] !== '?' && normalised[start - 1] === '?');
  });
}

/**
 * What no surer model overrules: nobody inside, a joke, a false alarm, a danger put right (and
 * not going on now), a past event with nothing said of now. Worries, drills, news, thanks and
 * questions are background it may see past.
 */
export function settled(text: string): boolean {
  return (
    NOBODY.test(text) ||
    replyWithHelp(text) ||
    (JOKE_OR_CHASE.test(text) && !PRESENT_STRONG.test(text)) ||
    FALSE_ALARM.test(text) ||
    (RESOLVED.test(text) && !PRESENT.test(withoutJust(text.replace(RESOLVED_ALL, '□')))) ||
    (PAST.test(text) && !PRESENT.test(text) && !TURNED.test(text))
  );
}

/**
 * The rules' vetoes over the whole message, for an alarm the model raises where the rules found
 * no danger word to judge: a worry (万一, 怕哪天), a past or settled event, a drill or the news,
 * a false alarm, nobody inside, a call already made, a habit (天天, 三天两头), a general question.
 */
export function notNow(message: string): boolean {
  // what follows the last turn (结果, 这回, 今天 …) is read on its own, and without the aftermath, as the rules read it
  const text = withoutAftermath(message.slice(lastTurn(message, message.length)));
  const now = PRESENT.test(text);
  return (
    settled(text) ||
    HYPOTHETICAL.test(text) ||
    (HAZARD_NAMED.test(text) && !now) ||
    (CALL_NUMBER.test(text) && !PRESENT_STRONG.test(text)) ||
    (HABIT.test(text) && !now) ||
    (PAST.test(text) && !PRESENT_STRONG.test(text)) ||
    (DRILL.test(text) && !now) ||
    (THANKED.test(text) && !now) ||
    ((HELP_ALREADY.test(text) || RESPONDER.test(text)) &&
      (HELP_COMING.test(text) || HELP_WAITED.test(text))) ||
    (HELP_ALREADY.test(text) && HELP_HERE.test(text)) ||
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
 * Where the rules are silent, the model raises the alarm from `threshold`, unless the message is a
 * worry, a past event, a drill … (`notNow`). Where a rule met a danger word and judged it not
 * happening now (a worry, a past fire, a drill, nobody inside), the model overrules that judgement
 * only when far surer (`overrule`): the background words that put a rule off (上次, 演练, 新闻,
 * 谢谢, 该打哪个电话) often sit beside a danger that is happening now. `unmaskedTokens` (the
 * numbered features of the unmasked text) spare computing them again when no look-alike was masked.
 */
export function learnedEmergency(
  model: Model,
  normalised: string,
  rules: EmergencyFinding,
  tuning: EmergencyTuning = EMERGENCY_TUNING,
  unmaskedTokens?: TokenIds,
): LearnedEmergency {
  if (rules.emergency) return { score: null, emergency: false };
  const tokens =
    unmaskedTokens && rules.masked === normalised ? unmaskedTokens : tokenIds(features(rules.masked));
  const score = model.odds(tokens).get('yes') ?? 0;
  if (rules.mentioned.length) return { score, emergency: score >= tuning.overrule && !settled(normalised) };
  return { score, emergency: score >= tuning.threshold && !notNow(normalised) };
}
