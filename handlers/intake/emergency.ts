// The emergency detector: people or property in danger now, found by patterns; worries, past events and drills are not.
import {
  AFTERMATH,
  CALL_NUMBER,
  CITED_HARM,
  DANGER_CUES,
  DENIED,
  DENIED_AFTER,
  DRILL,
  ESCAPE_AFTER,
  FALSE_ALARM,
  GENERIC_QUESTION,
  GROWING,
  HABIT,
  HAZARD_NAMED,
  HEARSAY,
  HELP_ASKED_AFTER,
  HELP_CALLED,
  HELP_COMING,
  HELP_HERE,
  HELP_WAITED,
  HINDERED_AFTER,
  HOW_TO,
  HOW_TO_FIRST,
  HYPOTHETICAL,
  JOKE_OR_CHASE,
  LATER_WORRY,
  LEAK_HEARD,
  LOOK_ALIKES,
  NEAR_MISS,
  NEAR_MISS_TOLD,
  NO_SMELL,
  NOBODY,
  NOT_URGENT,
  ONGOING,
  PAST,
  PEOPLE_KINDS,
  PRESENT,
  PRESENT_STRONG,
  REFERRED,
  RESOLVED,
  RESOLVED_AFTER,
  RISK_AFTER,
  SMELL_AFTER_FIRE,
  SOMEWHERE,
  STILL_GOING,
  THANKED,
  TOPIC_REPLY,
  TURNS,
  WHEN_ASKED,
  WORRY_AFTER,
} from './emergency-words.ts';

export interface EmergencyFinding {
  emergency: boolean;
  /** the kinds of danger that matched (fire, gas, trapped, …, or `district` for the district's own words) */
  cues: string[];
  /** where each matched cue starts, for telling which of two matters is the urgent one */
  at: number[];
  /** the kinds whose words appear at all, now or not (a past fire is still about a fire) */
  mentioned: string[];
  /** the text with the look-alikes masked (火锅, 气死, 燃面), as the detector read it */
  masked: string;
}

export type EmergencyDetector = (normalised: string) => EmergencyFinding;

export const SENTENCE_END = /[。！？!?；;\n～~]/;
const CLAUSE_END = /[。！？!?；;\n，,、 ]/;

/** The run around position `at` between two of the `end` characters: [its first index, the index of its end character]. */
export function span(text: string, at: number, end: RegExp): [number, number] {
  let s = at;
  while (s > 0 && !end.test(text[s - 1])) s--;
  let e = at;
  while (e < text.length && !end.test(text[e])) e++;
  return [s, e];
}

/** Where the group opening at `open` closes (escapes and character classes skipped). */
function closing(src: string, open: number): number {
  let depth = 0;
  let inClass = false;
  for (let i = open; i < src.length; i++) {
    const c = src[i];
    if (c === '\\') i++;
    else if (inClass) inClass = c !== ']';
    else if (c === '[') inClass = true;
    else if (c === '(') depth++;
    else if (c === ')' && --depth === 0) return i;
  }
  return -1;
}

/** `src` with its capturing groups made non-capturing. */
function uncaptured(src: string): string {
  let out = '';
  let inClass = false;
  for (let i = 0; i < src.length; i++) {
    const c = src[i];
    if (c === '\\') {
      out += c + (src[i + 1] ?? '');
      i++;
      continue;
    }
    if (inClass) inClass = c !== ']';
    else if (c === '[') inClass = true;
    else if (c === '(' && src[i + 1] !== '?') {
      out += '(?:';
      continue;
    }
    out += c;
  }
  return out;
}

/**
 * A pattern that starts by looking behind (救命 after 吵, 塌 with nobody before it) is tried at
 * every character, the look behind first; checking first that what follows it can match at all
 * lets most characters go at once. The same matches, several times faster on such patterns.
 */
export function lookAheadFirst(re: RegExp): RegExp {
  const src = re.source;
  if (!src.startsWith('(?<=') && !src.startsWith('(?<!')) return re;
  const end = closing(src, 0);
  const rest = src.slice(end + 1);
  if (end < 0 || !rest) return re;
  return new RegExp(`(?=${uncaptured(rest)})${src}`, re.flags);
}

const LOOK_ALIKES_FAST = LOOK_ALIKES.map(lookAheadFirst);

/** Words blanked to the same length, so positions in the text still hold. */
const blank = (x: string) => '□'.repeat(x.length);

export function maskLookAlikes(text: string): string {
  let out = text;
  for (const re of LOOK_ALIKES_FAST) out = out.replace(re, blank);
  return out;
}

/** The text without 刚刚 and 刚才 (just now), which date a danger rather than say it goes on. */
export const withoutJust = (s: string) => s.replace(/刚刚|刚才/g, '');

/** A worry word (怕, 担心, 万一, 要是, 隐患, 哪天要 …) before a cue in its clause; 好怕 (frightened) and 怕是 (probably) are none. */
const WORRY =
  /隐患|(?<![好很太真超吓]|[好很太真超吓]害)怕(?!是)|担心|万一|如果|要是|假如|一旦|哪天(要|会|就)/;

/** A denial just before position `i` (没有冒烟, 暂无人员被困, 没闻到什么煤气味, 现在没漏), read on the unmasked text. */
const denied = (plain: string, i: number) => DENIED.test(plain.slice(Math.max(0, i - 8), i));

/**
 * Whether the danger words from `at` to `end` speak of something happening now, by the words
 * around them. The words before are read up to the last character of the match, so a pattern
 * that starts at a person (下面有人走，担心哪天掉下来) is judged by what comes before its danger.
 * `text` and `plain` are the masked and unmasked message with the aftermath blanked (withoutAftermath).
 */
function happeningNow(text: string, plain: string, at: number, end: number, kind: string): boolean {
  // what follows a turn (结果, 没想到, 这回, 今天 …) is judged on its own: 上次打过119问消防通道的事，今天真遇到了：楼道着火了
  const turn = lastTurn(text, at);
  if (turn > 0) return happeningNow(text.slice(turn), plain.slice(turn), at - turn, end - turn, kind);
  const last = Math.max(at, end - 1);
  const [cs, ce] = span(text, last, CLAUSE_END);
  const [ss, se] = span(text, last, SENTENCE_END);
  const clause = text.slice(cs, ce);
  const sentence = text.slice(ss, se);
  const before = text.slice(Math.max(cs, Math.min(at, last - 14)), last);
  const now = PRESENT.test(clause);
  // 刚刚 and 刚才 say when something happened, and after a danger put right or thanks, not that it goes on
  const nowNotJust = PRESENT.test(withoutJust(clause));
  // the clause where the cue begins, which a long cue may have left: 下雨天怕漏电，喊人来扯了嘛
  const [bs] = span(text, at, CLAUSE_END);
  // the sentence before the cue, from where the cue begins when it runs on into a later sentence
  // (还记得去年那次整栋楼停电电梯关人不？我在里头待了一个钟头)
  const ownSentence = text.slice(ss < at ? ss : span(text, at, SENTENCE_END)[0], at);
  if (HYPOTHETICAL.test(before) || WORRY.test(text.slice(bs, at)) || denied(plain, at)) return false;
  // a hazard named as one (感觉有坍塌风险 底下还有人摆摊): reported, not happening
  if (HAZARD_NAMED.test(sentence) && !PRESENT_STRONG.test(sentence)) return false;
  // hearsay, with nothing said of now: 听说东光社区那边电梯关了人
  if (HEARSAY.test(ownSentence) && !PRESENT_STRONG.test(sentence)) return false;
  // a worry told after the danger (担心哪天整块掉下来砸到人): a hazard reported, not a harm happening
  if (LATER_WORRY.test(plain.slice(end)) && !PRESENT_STRONG.test(plain)) return false;
  // a near miss told with a time or as a habit, the danger not going on: 刚刚掉了个衣架下来，差点砸到我
  if (
    NEAR_MISS.test(plain.slice(Math.max(0, at - 5), end)) &&
    (NEAR_MISS_TOLD.test(plain) || PAST.test(plain)) &&
    !ONGOING.test(plain)
  )
    return false;
  // a reply about a matter told before, with help there, coming or asked after: 刚才11栋电梯关人那个，维保说还有十分钟到
  if (replyWithHelp(plain)) return false;
  // the one telling it says it can wait: 社区能不能抽空去看下
  if (NOT_URGENT.test(plain) && !PRESENT_STRONG.test(plain)) return false;
  // read unmasked: the look-alikes mask 没有人 as a denial of something else
  if (PEOPLE_KINDS.includes(kind) && NOBODY.test(plain.slice(ss, se))) return false;
  // from the cue's start: a pattern may reach past the words that put it right (天然气味道，…修好了，味道也散了)
  // (电梯刚刚又把人关在里头了，…人已经放出来了)
  const sinceCue = withoutJust(plain.slice(at));
  if (RESOLVED_AFTER.test(sinceCue) && !PRESENT.test(sinceCue)) return false;
  if (RISK_AFTER.test(text.slice(end)) || DENIED_AFTER.test(plain.slice(end))) return false;
  if (ESCAPE_AFTER.test(text.slice(end)) && !PRESENT.test(text)) return false;
  if (WORRY_AFTER.test(text.slice(end)) && !text.slice(at, end).endsWith('了') && !PRESENT.test(text))
    return false;
  if (HINDERED_AFTER.test(text.slice(end)) && !PRESENT_STRONG.test(clause)) return false;
  if (JOKE_OR_CHASE.test(plain) && !PRESENT_STRONG.test(plain)) return false;
  if (RESOLVED.test(plain) && !nowNotJust) return false;
  // thanks said 刚刚 or 刚才 are for help just given, not for a danger now
  if (THANKED.test(sentence) && !nowNotJust) return false;
  // a question about a kind of moment: 电梯停电的时候人在里面会不会掉下去
  if (/的时候/.test(text.slice(ss, last)) && WHEN_ASKED.test(sentence) && !PRESENT.test(sentence))
    return false;
  if (FALSE_ALARM.test(plain)) return false;
  if (kind === 'help' && HELP_CALLED.test(text.slice(at, end)) && HELP_COMING.test(plain)) return false;
  if (CITED_HARM.test(sentence) && !PRESENT_STRONG.test(sentence)) return false;
  // a gas leak named with no smell and no hiss: 燃气泄漏报警器响了但是闻不到味道
  const gas = kind === 'gas' || (kind === 'district' && text.slice(at, end).includes('气'));
  if (gas && NO_SMELL.test(plain.slice(ss, se)) && !LEAK_HEARD.test(plain.slice(ss, se))) return false;
  if (CALL_NUMBER.test(plain) && !PRESENT_STRONG.test(plain)) return false;
  // in the cue's clause, or in the clause where the cue begins: 瓷砖最近老往下掉，楼下就是娃娃放学的路
  if (HABIT.test(clause) || HABIT.test(text.slice(bs, end))) return false;
  // someone not seen or not answering: a time word says how long, which is no past event (前天起就没见他出门)
  const lasting = kind === 'locked_in';
  if (!lasting && PAST.test(ownSentence) && !now && !PRESENT_STRONG.test(sentence)) return false;
  // a time word in the cue's own clause puts it in the past, whatever 现在 says of the aftermath
  // (for a cue that runs on into a later clause, that clause up to the cue's end: 电梯里头的警铃按了不响，上次有人困在里面)
  const ownClause = cs < at ? text.slice(cs, at) : text.slice(cs, last);
  if (!lasting && PAST.test(ownClause) && !now && !STILL_GOING.test(sentence)) return false;
  // news or a video is background to a danger growing here: 前两天新闻才报了燃气爆炸…我们楼道这个味越来越浓
  if (DRILL.test(text) && !now && !GROWING.test(sentence)) return false;
  if (REFERRED.test(text.slice(Math.max(cs, at - 14), at)) && !PRESENT.test(text.slice(at))) return false;
  // A general question (着火了应该先打119还是找物业) names no place and no moment.
  if ((GENERIC_QUESTION.test(sentence) || HOW_TO.test(text)) && !PRESENT.test(text) && !SOMEWHERE.test(text))
    return false;
  // A question of whom to call first puts off only the danger in its own sentence, not one told after it:
  // 请问119是直接打还是先报物业？后厨着火了，火苗都窜出来了
  if (HOW_TO_FIRST.test(sentence) && !PRESENT.test(text)) return false;
  return true;
}

/** A thread's reply about a matter told before, with help there, on its way, waited for or asked after. */
export const replyWithHelp = (text: string) =>
  TOPIC_REPLY.test(text) &&
  [HELP_HERE, HELP_COMING, HELP_WAITED, HELP_ASKED_AFTER].some((re) => re.test(text));

const CRY = /^(救命|救救|就命)/;
const HAN = /\p{Script=Han}/gu;
/** How many Chinese characters a text has. */
export const hanCount = (s: string) => s.match(HAN)?.length ?? 0;
/**
 * A cry of 救命 (or 救救) the only danger the rules found, in a message of a dozen characters or
 * more: 又停水了…救命啊😭, 救命，补贴在哪里申请？ A cry alone is an alarm (救命！); in a longer
 * message about something else it is a sigh, and the learned score must be as sure as it must be
 * to overrule the rules. Read and kept-out waves: such alarms under that score were all false.
 */
export function onlyACry(normalised: string, finding: EmergencyFinding): boolean {
  return (
    finding.emergency &&
    finding.cues.every((c) => c === 'help' || c === 'district') &&
    finding.at.every((i) => CRY.test(normalised.slice(i))) &&
    hanCount(normalised) >= 12
  );
}

/** Where the last turn before `at` begins (0 when there is none): the words before it are background. */
export function lastTurn(text: string, at: number): number {
  let last = 0;
  for (const m of text.slice(0, at).matchAll(TURNS)) last = m.index;
  return last;
}

/** The danger cues, each compiled once to find every match. */
const GLOBAL_CUES = Object.entries(DANGER_CUES).map(
  ([kind, re]) => [kind, new RegExp(re.source, 'g')] as const,
);

/** 现在 that tells of the aftermath or of a repair still awaited says nothing of the danger (nor, in
 * the words as written, a burnt smell after a fire put out: the masked text has it masked already). */
export const withoutAftermath = (s: string) => s.replace(AFTERMATH, blank).replace(SMELL_AFTER_FIRE, blank);

/**
 * Errs toward safety: any cue that is not clearly a worry, a past event, a drill or a general
 * question makes an emergency. `districtWords` (the district file's emergency_words) are cues too.
 */
export function emergencyDetector(districtWords: readonly string[]): EmergencyDetector {
  const own = districtWords.map((w) => w.normalize('NFKC').toLowerCase()).filter(Boolean);
  return (normalised) => {
    const text = maskLookAlikes(normalised);
    const cues: string[] = [];
    const at: number[] = [];
    const mentioned: string[] = [];
    // the message as the judgement reads it: blanked once, when a cue first matches
    let judged: [string, string] | undefined;
    const consider = (kind: string, i: number, end: number) => {
      if (!mentioned.includes(kind)) mentioned.push(kind);
      judged ??= [withoutAftermath(text), withoutAftermath(normalised)];
      if (happeningNow(judged[0], judged[1], i, end, kind)) {
        if (!cues.includes(kind)) cues.push(kind);
        at.push(i);
      }
    };
    for (const [kind, global] of GLOBAL_CUES)
      for (const m of text.matchAll(global)) consider(kind, m.index, m.index + m[0].length);
    for (const w of own)
      for (let i = text.indexOf(w); i !== -1; i = text.indexOf(w, i + 1))
        consider('district', i, i + w.length);
    return { emergency: cues.length > 0, cues, at: at.sort((a, b) => a - b), mentioned, masked: text };
  };
}
