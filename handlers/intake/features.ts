// What the learned models see of a message: jieba words and character pairs, digits folded together.
import { Jieba } from '@node-rs/jieba';
import { dict } from '@node-rs/jieba/dict.js';

let jieba: Jieba | null = null;

/** One segmenter per process: loading the dictionary is the slow part (~0.25 s). Districts add their words to it. */
export function segmenter(): Jieba {
  jieba ??= Jieba.withDict(dict);
  return jieba;
}

const HAN_OR_WORD = /[\p{Script=Han}a-z0-9]/u;
const PIECES = /[\p{Script=Han}a-z0-9]+/gu;
const HAN = /\p{Script=Han}/u;

/**
 * Feature tokens of a normalised text: `w:` jieba words, `u:` single Chinese characters and `b:`
 * character pairs within a run (punctuation breaks a run). Characters carry a dialect word or a
 * typo that jieba splits oddly (黑起, 遭淹, 电题); words carry what characters cannot. Digits become 0: 3栋 and 12栋 are the same kind of thing.
 * Prefixes keep every token clear of JavaScript's own property names.
 */
export function features(text: string, seg: Jieba = segmenter()): string[] {
  const folded = text.replace(/[0-9]+/g, '0');
  const out: string[] = [];
  for (const w of seg.cut(folded, false)) if (HAN_OR_WORD.test(w) && w !== '0') out.push(`w:${w}`);
  for (const piece of folded.match(PIECES) ?? []) {
    const chars = [...piece];
    for (const ch of chars) if (HAN.test(ch)) out.push(`u:${ch}`);
    for (let i = 0; i + 1 < chars.length; i++) out.push(`b:${chars[i]}${chars[i + 1]}`);
  }
  return out;
}
