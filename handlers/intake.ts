// Turns a free-text report from a group chat into a draft case: category, tier, departments, emergency, location.
import { Jieba } from '@node-rs/jieba';
import { dict, idf } from '@node-rs/jieba/dict';
import type { District, Tier } from '../config/district.ts';
import {
  BUILTIN_SYNONYMS,
  DANGER_PATTERNS,
  DANGER_WORDS,
  LANDMARK_SUFFIXES,
  LEADING_NOISE,
  MASKED_PHRASES,
  NEAR_WORDS,
  NOT_A_ROAD,
  PLACE_STOP_CHARS,
  POSITION_WORDS,
} from './intake-words.ts';

export interface Draft {
  category: string; // catalog code; 'other' when unsure
  categoryName: string;
  tier: Tier; // the item's tier; 'emergency' when emergency is true
  lead: string | null; // lead department code from the catalog (null for simple/other)
  co: string[];
  departments: string[]; // [lead, ...co] without nulls
  emergency: boolean;
  location: string | null;
  confidence: number; // 0..1; 0 for 'other' (a person triages it)
  matched: string[]; // the words that decided the category
  text: string; // the cleaned text (trimmed, whitespace collapsed, @-mentions removed)
}

export interface IntakeContext {
  communityCode?: string;
  streetCode?: string;
}

export type Parser = (text: string, ctx?: IntakeContext) => Draft;

interface Term {
  text: string;
  code: string;
  weight: number;
}

/** Below this a category is a guess; a single plain two-character keyword just clears it. */
const MIN_SCORE = 0.85;
/** Danger words are decisive: 电梯里有人被困 is trapped_lift, not a plain lift fault. */
const DANGER_BOOST = 2;

// Lark puts @_user_1 placeholders; WeChat ends a mention with U+2005. A mention glued to the
// text with no separator cannot be told from the text, so it stays.
const MENTION = /@_user_\d+|@[^\s@]{1,24}(?=\s|$)/g;
const PHONE = /(?<!\d)(?:1[3-9]\d{9}|0\d{2,3}-?\d{7,8}|\d{7,8})(?!\d)/g;

let jieba: Jieba | null = null;

/** One segmenter per process: loading the dictionary is the slow part (~0.25 s). Districts add their words to it. */
function segmenter(): Jieba {
  jieba ??= Jieba.withDict(dict);
  return jieba;
}

// Looked-up numbers (NaN: not in the file), kept so a second parser need not rescan 11 MB.
const looked = new Map<Uint8Array, Map<string, number>>();

/** The number after each of `words` in a jieba word list (dict.txt: frequency; idf.txt: IDF). */
function lookUp(file: Uint8Array, words: Set<string>): Map<string, number> {
  const cache = looked.get(file) ?? new Map<string, number>();
  looked.set(file, cache);
  const missing = new Set([...words].filter((w) => !cache.has(w)));
  if (missing.size) {
    for (const w of missing) cache.set(w, Number.NaN);
    for (const line of new TextDecoder().decode(file).split('\n')) {
      const sp = line.indexOf(' ');
      if (sp > 0 && missing.has(line.slice(0, sp)))
        cache.set(line.slice(0, sp), Number.parseFloat(line.slice(sp + 1)));
    }
  }
  const out = new Map<string, number>();
  for (const w of words) if (!Number.isNaN(cache.get(w))) out.set(w, cache.get(w)!);
  return out;
}

const norm = (s: string) => s.normalize('NFKC').toLowerCase();

/** Longer words are more specific; rarer words (by corpus IDF) too, within bounds. */
function specificity(word: string, idfs: Map<string, number>): number {
  const byLength = word.length === 1 ? 0.5 : Math.min(2.5, 1 + 0.5 * (word.length - 2));
  const v = idfs.get(word);
  const byRarity = v === undefined ? 1 : Math.min(1.3, Math.max(0.6, v / 8));
  return byLength * byRarity;
}

function mask(text: string, phrases: readonly (string | RegExp)[], fill: string): string {
  let out = text;
  for (const p of phrases) {
    if (typeof p !== 'string') out = out.replace(p, (x) => fill.repeat(x.length));
    else if (out.includes(p)) out = out.split(p).join(fill.repeat(p.length));
  }
  return out;
}

export function cleanText(raw: string): string {
  return raw.replace(MENTION, ' ').replace(/\s+/g, ' ').trim();
}

export function createParser(district: District): Parser {
  const seg = segmenter();
  const danger = [...new Set([...district.emergency_words, ...DANGER_WORDS].map(norm))];
  const dangerSet = new Set(danger);
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
  const idfs = lookUp(idf, indexed);
  // Teach the segmenter our phrases (违建 has frequency 3 and comes out as 有违/建), at a modest
  // frequency so they win only where the dictionary has no better reading: 没电梯 stays 没/电梯.
  const freqs = lookUp(dict, indexed);
  const rare = [...indexed].filter((w) => w.length > 1 && (freqs.get(w) ?? 0) < 100);
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
  const other = district.catalogByCode.get('other');
  const places = placeNames(district);

  return (raw, ctx) => {
    const text = cleanText(raw);
    const m = mask(norm(text), MASKED_PHRASES, '□');
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

    const taken: [number, number][] = [];
    const scores = new Map<string, number>();
    const hits = new Map<string, { word: string; at: number }[]>();
    for (const t of terms) {
      let i = m.indexOf(t.text);
      let counted = false;
      while (i !== -1 && !counted) {
        const end = i + t.text.length;
        const aligned = tokenOf[i - 1] !== tokenOf[i] && tokenOf[end - 1] !== tokenOf[end];
        const fit = aligned ? 1 : tokenOf[i] === tokenOf[end - 1] ? 0.9 : 0.6;
        // A lone character counts only as a word of its own (树 yes, 树立 no).
        if ((aligned || t.text.length > 1) && !taken.some(([s, e]) => i < e && end > s)) {
          taken.push([i, end]);
          scores.set(t.code, (scores.get(t.code) ?? 0) + t.weight * fit);
          hits.set(t.code, [...(hits.get(t.code) ?? []), { word: t.text, at: i }]);
          counted = true;
        }
        i = m.indexOf(t.text, i + 1);
      }
    }
    const ranked = [...scores].sort((a, b) => b[1] - a[1]);
    const [bestCode, best] = ranked[0] ?? ['other', 0];
    const second = ranked[1]?.[1] ?? 0;
    const sure = best >= MIN_SCORE && best - second >= Math.max(0.25, 0.2 * best);
    const item = (sure && district.catalogByCode.get(bestCode)) || other;
    const code = item?.code ?? 'other';

    const emergency =
      item?.tier === 'emergency' ||
      danger.some((w) => m.includes(w)) ||
      DANGER_PATTERNS.some((p) => p.test(m));
    const lead = item?.lead ?? null;
    const co = item?.co ?? [];
    const confidence =
      code === 'other' ? 0 : (1 - Math.exp(-best / 1.2)) * (0.6 + (0.4 * (best - second)) / best);
    return {
      category: code,
      categoryName: item?.name ?? '其他',
      tier: emergency ? 'emergency' : (item?.tier ?? 'general'),
      lead,
      co: [...co],
      departments: lead ? [lead, ...co] : [...co],
      emergency,
      location: findLocation(text.normalize('NFKC'), places, district, ctx),
      confidence: Math.round(confidence * 100) / 100,
      matched: code === 'other' ? [] : (hits.get(code) ?? []).sort((a, b) => a.at - b.at).map((h) => h.word),
      text,
    };
  };
}

// ---- location ----

const STOP = new Set(PLACE_STOP_CHARS);
const POSITION = new RegExp(POSITION_WORDS.join('|'), 'y');
// A named place followed by one of these is a landmark even without a 公园/小区 suffix: 合江亭旁边.
const NEAR = new RegExp(NEAR_WORDS.join('|'), 'g');
const RIVER = /河/g;
const ROAD_TAIL =
  /(?:[东西南北中]?[一二三四五六七八九十\d]+段)?(?:\d+号(?!楼)(?:院)?(?:附\d+号)?)?(?:[一二三四五六七八九十\d]+巷(?:\d+号)?)?/y;
const ROAD = /大道|路|街|巷/g;
const BRIDGE = /桥/g;
const LANDMARK = new RegExp(LANDMARK_SUFFIXES.join('|'), 'g');
const NUM = '[0-9一二三四五六七八九十]+';
const BUILDING = new RegExp(
  `(?:${NUM}(?:栋|幢|号楼|座|号院)|[a-zA-Z]座)(?:${NUM}单元)?(?:[0-9]{1,2}楼|[0-9]{3,4}(?:室|号)?)?|${NUM}单元(?:[0-9]{3,4}(?:室|号)?)?|[0-9]{3,4}(?:室|房)`,
  'g',
);

interface Span {
  start: number;
  end: number;
}

function placeNames(district: District): string[] {
  const names = district.streets.flatMap((s) => [s.name, ...s.communities.map((c) => c.name)]);
  return names.map((n) => n.normalize('NFKC')).sort((a, b) => b.length - a.length);
}

function isHanzi(ch: string | undefined): boolean {
  return ch !== undefined && ch >= '\u4e00' && ch <= '\u9fff';
}

/** Place parts in order of appearance; adjacent parts run together, separate ones get a space. */
function findLocation(
  text: string,
  places: string[],
  district: District,
  ctx?: IntakeContext,
): string | null {
  const t = text.replace(PHONE, (p) => '#'.repeat(p.length));
  const spans: Span[] = [];
  const free = (s: number, e: number) => spans.every((x) => e <= x.start || s >= x.end);
  const claim = (start: number, end: number) => {
    const pos = POSITION;
    pos.lastIndex = end;
    const p = pos.exec(t);
    const stop = p && free(end, end + p[0].length) ? end + p[0].length : end;
    if (free(start, stop)) spans.push({ start, end: stop });
  };
  // Walk left from a suffix over name characters, then drop filler words at the front.
  const nameStart = (i: number, max: number) => {
    let s = i;
    while (s > i - max && isHanzi(t[s - 1]) && !STOP.has(t[s - 1]) && free(s - 1, s)) s--;
    for (let again = true; again; ) {
      again = false;
      for (const w of LEADING_NOISE)
        if (t.startsWith(w, s) && s + w.length < i) {
          s += w.length;
          again = true;
        }
    }
    return s;
  };

  for (const name of places)
    for (let i = t.indexOf(name); i !== -1; i = t.indexOf(name, i + 1)) claim(i, i + name.length);
  for (const r of t.matchAll(ROAD)) {
    const i = r.index;
    const after = t[i + r[0].length];
    if (after && (NOT_A_ROAD[r[0]] ?? '').includes(after) && !t.startsWith('人行道', i + 1)) continue;
    const s = nameStart(i, 6);
    if (i - s < 2) continue;
    ROAD_TAIL.lastIndex = i + r[0].length;
    claim(s, i + r[0].length + (ROAD_TAIL.exec(t)?.[0].length ?? 0));
  }
  for (const b of t.matchAll(BRIDGE)) {
    const s = nameStart(b.index, 5);
    if (b.index - s >= 1 && t[b.index + 1] !== '梁') claim(s, b.index + 1);
  }
  for (const l of t.matchAll(LANDMARK)) {
    const end = l.index + l[0].length;
    const s = nameStart(l.index, 8);
    POSITION.lastIndex = end;
    // A bare 小区 or 学校 is a place only with a position word: 学校门口, 小区对面.
    if (l.index - s >= 2 || POSITION.exec(t)) claim(s, end);
  }
  for (const r of t.matchAll(RIVER)) {
    const s = nameStart(r.index, 4);
    // 沙河 and 府南河 are places; 水流成河 is a figure of speech.
    if (r.index - s >= 1 && !'道水流'.includes(t[r.index + 1] ?? '道') && !'成像'.includes(t[s]))
      claim(s, r.index + 1);
  }
  for (const p of t.matchAll(NEAR)) {
    const s = nameStart(p.index, 6);
    if (p.index - s >= 2) claim(s, p.index);
  }
  for (const b of t.matchAll(BUILDING)) claim(b.index, b.index + b[0].length);
  // In a community's or street's own chat, short community names (晨辉 for 晨辉社区) are unambiguous enough.
  const street = ctx?.streetCode ?? (ctx?.communityCode && district.units.get(ctx.communityCode)?.parent);
  const local = district.streets.find((s) => s.code === street)?.communities ?? [];
  for (const c of local) {
    if (ctx?.communityCode && c.code !== ctx.communityCode) continue;
    const short = c.name.replace(/社区$/, '').normalize('NFKC');
    if (short.length < 2 || short === c.name) continue;
    for (let i = t.indexOf(short); i !== -1; i = t.indexOf(short, i + 1)) claim(i, i + short.length);
  }

  if (spans.length === 0) return null;
  spans.sort((a, b) => a.start - b.start);
  let out = '';
  let last = -1;
  for (const s of spans) {
    out += (last === -1 || s.start === last ? '' : ' ') + t.slice(s.start, s.end);
    last = s.end;
  }
  return out;
}
