// The catalog's own words as a scorer: a district's keywords and synonyms (and built-in phrasings) per catalog item.
import type { District } from '../../config/district.ts';
import { BUILTIN_SYNONYMS, DANGER_WORDS } from '../intake-words.ts';
import { segmenter } from './features.ts';
import { lookUp } from './jieba-words.ts';

interface Term {
  text: string;
  code: string;
  weight: number;
}

/** Danger words are decisive: 电梯里有人被困 is trapped_lift, not a plain lift fault. */
const DANGER_BOOST = 2;

export interface KeywordScores {
  scores: Map<string, number>;
  /** per code, the words that scored, in text order */
  hits: Map<string, string[]>;
  /** per code, where its first word starts */
  first: Map<string, number>;
}

export type KeywordScorer = (masked: string) => KeywordScores;

/** Longer words are more specific; rarer words (by corpus IDF) too, within bounds. */
function specificity(word: string, idfs: Map<string, number>): number {
  const byLength = word.length === 1 ? 0.5 : Math.min(2.5, 1 + 0.5 * (word.length - 2));
  const v = idfs.get(word);
  const byRarity = v === undefined ? 1 : Math.min(1.3, Math.max(0.6, v / 8));
  return byLength * byRarity;
}

const norm = (s: string) => s.normalize('NFKC').toLowerCase();

/** Builds the scorer for a district and teaches the shared segmenter the district's words. */
export function keywordScorer(district: District): KeywordScorer {
  const seg = segmenter();
  const dangerSet = new Set([...district.emergency_words, ...DANGER_WORDS].map(norm));
  const byCode = new Map<string, Set<string>>();
  for (const item of district.catalog) {
    if (item.code === 'other') continue;
    const words = [...item.keywords, ...item.synonyms, ...(BUILTIN_SYNONYMS[item.code] ?? [])];
    byCode.set(item.code, new Set(words.map(norm).filter((w) => w.length > 0)));
  }
  // A word listed under several items says little about any one of them.
  const owners = new Map<string, number>();
  for (const words of byCode.values()) for (const w of words) owners.set(w, (owners.get(w) ?? 0) + 1);
  const indexed = new Set(owners.keys());
  const idfs = lookUp('idf', indexed);
  // Teach the segmenter our phrases (违建 has frequency 3 and comes out as 有违/建), at a modest
  // frequency so they win only where the dictionary has no better reading: 没电梯 stays 没/电梯.
  const freqs = lookUp('dict', indexed);
  const rare = [...indexed].filter((w) => w.length > 1 && (freqs.get(w) ?? 0) < 100).sort();
  if (rare.length) seg.loadDict(Buffer.from(rare.map((w) => `${w} 100\n`).join('')));
  const terms: Term[] = [];
  for (const [code, words] of byCode) {
    for (const w of words) {
      const boost = dangerSet.has(w) ? DANGER_BOOST : 1;
      terms.push({ text: w, code, weight: (specificity(w, idfs) * boost) / (owners.get(w) ?? 1) });
    }
  }
  // Longest first, so a word inside a longer matched word (垃圾 in 垃圾桶, 堵塞 in 堵塞通道) is skipped.
  terms.sort((a, b) => b.text.length - a.text.length || b.weight - a.weight);
  // The terms by their first character, so a message is read once rather than searched per term.
  const byFirst = new Map<number, number[]>();
  terms.forEach((t, j) => {
    const list = byFirst.get(t.text.charCodeAt(0));
    if (list) list.push(j);
    else byFirst.set(t.text.charCodeAt(0), [j]);
  });

  return (m) => {
    // Which token each character belongs to, to tell 垃圾 in 垃圾堆 (a compound: fine) from 没电 in 没|电梯.
    const tokenOf = new Int32Array(m.length + 1);
    let at = 0;
    let n = 0;
    for (const tok of seg.cut(m, false)) {
      n++;
      tokenOf.fill(n, at, at + tok.length);
      at += tok.length;
      tokenOf[at] = n + 1;
    }
    // every place a term occurs, as term index × text length + position: sorted, the terms come in
    // their order and each term's places from the left, as if each were searched for in turn
    const places: number[] = [];
    for (let i = 0; i < m.length; i++) {
      const list = byFirst.get(m.charCodeAt(i));
      if (list) for (const j of list) if (m.startsWith(terms[j].text, i)) places.push(j * (m.length + 1) + i);
    }
    places.sort((a, b) => a - b);
    const taken: [number, number][] = [];
    const scores = new Map<string, number>();
    const found = new Map<string, { word: string; at: number }[]>();
    let counted = -1;
    for (const place of places) {
      const j = Math.floor(place / (m.length + 1));
      if (j === counted) continue;
      const t = terms[j];
      const i = place - j * (m.length + 1);
      const end = i + t.text.length;
      const aligned = tokenOf[i - 1] !== tokenOf[i] && tokenOf[end - 1] !== tokenOf[end];
      const fit = aligned ? 1 : tokenOf[i] === tokenOf[end - 1] ? 0.9 : 0.6;
      // A lone character counts only as a word of its own (树 yes, 树立 no).
      if ((aligned || t.text.length > 1) && !taken.some(([s, e]) => i < e && end > s)) {
        taken.push([i, end]);
        scores.set(t.code, (scores.get(t.code) ?? 0) + t.weight * fit);
        const list = found.get(t.code);
        if (list) list.push({ word: t.text, at: i });
        else found.set(t.code, [{ word: t.text, at: i }]);
        counted = j;
      }
    }
    const hits = new Map<string, string[]>();
    const first = new Map<string, number>();
    for (const [code, list] of found) {
      list.sort((a, b) => a.at - b.at);
      hits.set(
        code,
        list.map((h) => h.word),
      );
      first.set(code, list[0].at);
    }
    return { scores, hits, first };
  };
}
