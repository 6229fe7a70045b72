// Where a report is: road and number, community, 小区 and building, landmark; relative words become a note.
import type { District } from '../../config/district.ts';
import {
  AFTER_WATER,
  DEMONSTRATIVE_NAME_ENDINGS,
  DEMONSTRATIVES,
  LANDMARK_SUFFIXES,
  LEADING_NOISE,
  NAME_END_STOP_CHARS,
  NAME_OPENINGS,
  NEAR_NAME_ENDINGS,
  NEAR_WORDS,
  NEEDS_GATE,
  NEEDS_POSITION,
  NOT_A_LANDMARK,
  NOT_A_NAME,
  NOT_A_ROAD,
  NOT_A_ROAD_BEFORE,
  NOT_A_WATER_NAME,
  PLACE_EXTENSIONS,
  PLACE_STOP_CHARS,
  PLAIN_LANDMARKS,
  RELATIVE_WORDS,
  SOME,
  TAKEN_TO,
  WELL_KNOWN_NAMES,
} from './location-words.ts';

export interface Place {
  location: string | null;
  /** a relative word right after the place (旁边, 对面): where it is from there */
  note: string | null;
}

export interface PlaceContext {
  communityCode?: string;
  streetCode?: string;
}

/** How specific each kind of place part is; a report's place is its most specific run of parts. */
const RANK = {
  street: 1,
  community: 2,
  plain: 2,
  river: 3,
  road: 3,
  near: 3,
  landmark: 4,
  numbered: 5,
  building: 6,
};
type Kind = keyof typeof RANK;

interface Part {
  start: number;
  end: number;
  kind: Kind;
}

const PHONE = /(?<!\d)(?:1[3-9]\d{9}|0\d{2,3}-?\d{7,8}|\d{7,8})(?!\d)/g;
const NUM = '[0-9一二三四五六七八九十百零两]+';
const ROAD = /大道|路|街|巷/g;
const ROAD_TAIL = new RegExp(
  `(?:[东西南北中]?[一二三四五六七八九十0-9]+[段断]|[东西南北中]段(?=${NUM}号))?(?:${NUM}号(?!楼)(?:院(?!子))?(?:附${NUM}号)?)?(?:${NUM}巷(?:${NUM}号)?)?`,
  'y',
);
// the second road may run into 路口 (锦华路与晨辉路口) or carry its own section (晨辉路和锦华路三段路口)
const CROSSING =
  /(?:和|与|跟|、)(?:[\p{Script=Han}]{1,6}?(?:大道|路|街)(?:[一二三四五六七八九十0-9]+段)?(?:的)?(?:交叉口|十字路口|交界处|交汇处|路口)|(?:(?![在是了的我你他她到从往把被就都也还又说去来看个条])\p{Script=Han}){1,6}?路口)/uy;
const BRIDGE = /桥/g;
const UNIT = /社区|街道/g;
// 谢谢社区, 冒充社区, 关注社区: a verb before 社区 is no community's name.
const NOT_A_UNIT_NAME = /谢|感|注|需|冒|联系|找|问|请|叫|让|给|帮|由|向|跟|去|到|靠|是|由|和|们/;
const WATER = /河|江|湖|渠/g;
const RELATIVE_SET = new Set(RELATIVE_WORDS);
const SECTION_NUMBER = new RegExp(`^${NUM}号`);
const WATER_SECTION = /(?:(?![那这某一勒]|部分)[\p{Script=Han}]){1,3}?段/uy;
// 一栋老房子 and 一共六栋楼 count buildings; they do not name one.
const COUNTED = /(共|有|几|每|这|那|好|没)$/;
const BUILDING = new RegExp(
  `(?:${NUM}(?:栋|幢|号楼|座|号院)|[a-z]座)(?:${NUM}单元)?(?:[0-9]{1,2}楼|[0-9]{3,4}(?:室|号)?)?|${NUM}单元(?:[0-9]{3,4}(?:室|号)?)?|[0-9]{3,4}(?:室|房)`,
  'g',
);
const alternation = (list: string[]) => new RegExp(list.join('|'), 'g');
const LANDMARK = alternation(LANDMARK_SUFFIXES);
const LANDMARK_AT = new RegExp(`(?:${LANDMARK_SUFFIXES.join('|')})`, 'y');
const NEAR = alternation(NEAR_WORDS);
const NEAR_AFTER = new RegExp(`(?:${NEAR_WORDS.join('|')})`, 'y');
const DEMONSTRATIVE = alternation(DEMONSTRATIVES);
const EXTENSION = new RegExp(`(?:${PLACE_EXTENSIONS.join('|')})`, 'y');
const UPPER_GATE = /[a-z](?:出口|入口|口)/y;
const PHASE = new RegExp(`${NUM}期`, 'y');
/** A doorway after a house number, which the place does not take in. */
const DOORWAY = /^(大门口|门口|门前)/;
const RELATIVE = new RegExp(`(?:的)?(${RELATIVE_WORDS.join('|')})`, 'y');

function isHanzi(ch: string | undefined): boolean {
  return ch !== undefined && ch >= '\u4e00' && ch <= '\u9fff';
}

export function placeNames(district: District): { name: string; kind: Kind }[] {
  const names = district.streets.flatMap((s) => [
    { name: s.name, kind: 'street' as Kind },
    ...s.communities.map((c) => ({ name: c.name, kind: 'community' as Kind })),
  ]);
  return names
    .map((n) => ({ ...n, name: n.name.normalize('NFKC') }))
    .sort((a, b) => b.name.length - a.name.length);
}

/**
 * The place in `text` (the cleaned report) found on `t` (its normalised copy, same length):
 * the most specific run of adjacent place parts, without a leading community or street when
 * something finer follows it, and without relative words.
 */
export function findPlace(
  text: string,
  normalised: string,
  district: District,
  names: { name: string; kind: Kind }[],
  ctx?: PlaceContext,
): Place {
  const t = normalised.replace(PHONE, (p) => '#'.repeat(p.length));
  const parts: Part[] = [];
  const free = (s: number, e: number) => parts.every((x) => e <= x.start || s >= x.end);
  /** How many characters a sticky pattern matches from `at` (0 when none). */
  const lengthAt = (re: RegExp, at: number) => {
    re.lastIndex = at;
    return re.exec(t)?.[0].length ?? 0;
  };
  const extend = (end: number) => {
    // an estate's phase before its gate: 翡翠城二期门口, 锦绣天地3期
    const phase = lengthAt(PHASE, end);
    if (phase && free(end, end + phase)) end += phase;
    for (const re of [EXTENSION, UPPER_GATE]) {
      const n = lengthAt(re, end);
      if (n && free(end, end + n)) return end + n;
    }
    return end;
  };
  const claim = (start: number, end: number, kind: Kind) => {
    // 门口 belongs to a landmark, not to a house number: 新华大道72号门口 is at 新华大道72号
    const numbered = kind === 'numbered' && /号院?$/.test(t.slice(start, end));
    const stop = numbered && DOORWAY.test(t.slice(end, end + 3)) ? end : extend(end);
    if (free(start, stop)) parts.push({ start, end: stop, kind });
  };
  // Walk left from a suffix over name characters, then drop filler words at the front. Before 旁边
  // the last character of the name may be one that elsewhere ends a walk (太古里旁边).
  const nameStart = (i: number, max: number, lenientEnd = false) => {
    let s = i;
    // 新华里小区: 里 before 小区 is the estate's name, not "inside"
    const stops = (k: number) =>
      (lenientEnd && k === i - 1 ? NAME_END_STOP_CHARS : PLACE_STOP_CHARS).has(t[k]) &&
      !(t[k] === '里' && t.startsWith('小区', k + 1));
    while (s > i - max && isHanzi(t[s - 1]) && free(s - 1, s)) {
      if (stops(s - 1)) {
        // 望江楼公园, 太古里广场: a well-known name is crossed whole
        const whole = WELL_KNOWN_NAMES.find((n) => t.startsWith(n, s - n.length));
        if (whole && free(s - whole.length, s)) {
          s -= whole.length;
          continue;
        }
        // 和平街: the stop character opens the name, which ends the walk there.
        if (NAME_OPENINGS.some((o) => t.startsWith(o, s - 1))) s--;
        break;
      }
      s--;
    }
    for (let again = true; again; ) {
      again = false;
      for (const w of LEADING_NOISE)
        if (t.startsWith(w, s) && s + w.length <= i) {
          s += w.length;
          again = true;
        }
    }
    return s;
  };
  const followedByPosition = (end: number) => lengthAt(EXTENSION, end) > 0 || lengthAt(NEAR_AFTER, end) > 0;
  const followedByGate = (end: number) => lengthAt(EXTENSION, end) > 0;

  for (const { name, kind } of names)
    for (let i = t.indexOf(name); i !== -1; i = t.indexOf(name, i + 1)) claim(i, i + name.length, kind);
  // Communities and streets the district file does not list (another district's, or a new one).
  for (const u of t.matchAll(UNIT)) {
    const s = nameStart(u.index, 6);
    const name = t.slice(s, u.index);
    if (name.length >= 2 && !NOT_A_UNIT_NAME.test(name))
      claim(s, u.index + u[0].length, u[0] === '社区' ? 'community' : 'street');
  }
  for (const r of t.matchAll(ROAD)) {
    const i = r.index;
    const after = t[i + r[0].length];
    if (after && (NOT_A_ROAD[r[0]] ?? '').includes(after) && !t.startsWith('人行道', i + 1)) continue;
    const s = nameStart(i, 6);
    if (i - s < 2 || !free(s, i + r[0].length) || (NOT_A_ROAD_BEFORE[r[0]] ?? '').includes(t[i - 1]))
      continue;
    const end = i + r[0].length;
    const tail = lengthAt(ROAD_TAIL, end);
    const numbered = t.slice(end, end + tail).includes('号');
    // a crossing after the road, or after its section (成龙大道二段和成龙路口)
    let crossed = false;
    for (const at of tail && !numbered ? [end, end + tail] : [end]) {
      const crossing = lengthAt(CROSSING, at);
      if (crossing) {
        claim(s, at + crossing, 'numbered');
        crossed = true;
        break;
      }
    }
    if (!crossed) claim(s, end + tail, numbered ? 'numbered' : 'road');
  }
  for (const r of t.matchAll(WATER)) {
    const s = nameStart(r.index, 4);
    const next = t[r.index + 1];
    // 沙河 and 府南河 are places; 水流成河 is a figure of speech; 锦江区 and 合江亭 are not rivers.
    // a named stretch of it (沙河牛市口段, 府河望江楼段) also ends the water's name
    const section = lengthAt(WATER_SECTION, r.index + 1);
    const ends = next === undefined || !isHanzi(next) || AFTER_WATER.includes(next) || section > 0;
    // 九眼桥河边, 东湖公园湖里: a landmark's name then the water, not the water's name.
    const landmark = '桥亭园场站门路街'.includes(t[r.index - 1]);
    if (r.index - s >= 1 && !NOT_A_WATER_NAME.includes(t[s]) && ends && t[s] !== '成' && !landmark) {
      // a named stretch is as precise as a landmark: 府南河合江亭段, not 巡河 before it
      claim(s, r.index + 1 + section, section ? 'landmark' : 'river');
    }
  }
  for (const b of t.matchAll(BRIDGE)) {
    let s = nameStart(b.index, 3);
    // 锦江九眼桥: the river's name is not the bridge's.
    while (s < b.index && '江河湖'.includes(t[s])) s++;
    if (b.index - s >= 1 && t[b.index + 1] !== '梁') claim(s, b.index + 1, 'landmark');
  }
  for (const l of t.matchAll(LANDMARK)) {
    let end = l.index + l[0].length;
    if ((NOT_A_LANDMARK[l[0]] ?? '').includes(t[end] ?? '□')) continue;
    if (TAKEN_TO.test(t.slice(Math.max(0, l.index - 2), l.index))) continue;
    // 锦华苑小区: a second place noun right after the first belongs to the same name.
    for (LANDMARK_AT.lastIndex = end; LANDMARK_AT.test(t); LANDMARK_AT.lastIndex = end) {
      const next = t.slice(end, LANDMARK_AT.lastIndex);
      if ((NOT_A_LANDMARK[next] ?? '').includes(t[LANDMARK_AT.lastIndex] ?? '□')) break;
      end = LANDMARK_AT.lastIndex;
    }
    const s = nameStart(l.index, 8);
    if (l.index - s >= 2 && !NOT_A_NAME.test(t.slice(s, l.index))) claim(s, end, 'landmark');
    else if (
      PLAIN_LANDMARKS.has(l[0]) ||
      (NEEDS_POSITION.has(l[0]) && followedByPosition(end)) ||
      (NEEDS_GATE.has(l[0]) && followedByGate(end))
    )
      claim(l.index, end, 'plain');
  }
  for (const [re, endings] of [
    [NEAR, NEAR_NAME_ENDINGS],
    [DEMONSTRATIVE, DEMONSTRATIVE_NAME_ENDINGS],
    [new RegExp(SOME, 'g'), `${NEAR_NAME_ENDINGS}区`],
  ] as const)
    for (const p of t.matchAll(re)) {
      const s = nameStart(p.index, 6, true);
      const name = t.slice(s, p.index);
      // Before 旁边/附近 most names are places, unless they end like a thing (垃圾桶旁边, 车旁边).
      if (name.length >= 2 && endings.includes(name.at(-1) ?? '') && !NOT_A_NAME.test(name))
        claim(s, p.index, 'near');
    }
  for (const b of t.matchAll(BUILDING)) {
    const counted =
      /^[一两](栋|幢|座)/.test(b[0]) || COUNTED.test(t.slice(Math.max(0, b.index - 2), b.index));
    if (counted) continue;
    // A name right before the number is the estate's (锦绣华庭3栋, 龙湖三千城二期8栋).
    const s = nameStart(b.index, 8);
    const name = t.slice(s, b.index);
    const named = name.length >= 2 && !RELATIVE_SET.has(name) && !NOT_A_NAME.test(name);
    claim(named ? s : b.index, b.index + b[0].length, 'building');
  }
  // 太古里后面, 水井坊井盖没了: a well-known name is a place on its own, an area as precise as a road
  // (成龙大道二段往三圣乡方向 is on the road); claimed last, so that names and numbers around it come first
  for (const n of WELL_KNOWN_NAMES)
    for (let i = t.indexOf(n); i !== -1; i = t.indexOf(n, i + 1)) claim(i, i + n.length, 'near');
  // In a community's or street's own chat, short community names (晨辉 for 晨辉社区) are unambiguous enough.
  const street = ctx?.streetCode ?? (ctx?.communityCode && district.units.get(ctx.communityCode)?.parent);
  const local = district.streets.find((s) => s.code === street)?.communities ?? [];
  for (const c of local) {
    if (ctx?.communityCode && c.code !== ctx.communityCode) continue;
    const short = c.name.replace(/社区$/, '').normalize('NFKC');
    if (short.length < 2 || short === c.name) continue;
    for (let i = t.indexOf(short); i !== -1; i = t.indexOf(short, i + 1))
      claim(i, i + short.length, 'community');
  }
  return choose(text, t, parts);
}

/** Joins adjacent parts into runs and picks the most specific run (the first of equals). */
function choose(text: string, t: string, parts: Part[]): Place {
  if (!parts.length) return { location: null, note: null };
  parts.sort((a, b) => a.start - b.start);
  const runs: Part[][] = [];
  for (const p of parts) {
    const run = runs.at(-1);
    if (run && run.at(-1)!.end === p.start) run.push(p);
    else runs.push([p]);
  }
  let best: Part[] = [];
  let bestRank = 0;
  for (const run of runs) {
    // A street in front of anything, or a community in front of a road, only says which part of
    // town it is in; a community stays with its buildings and landmarks (晨辉社区3栋).
    while (
      run.length > 1 &&
      (run[0].kind === 'street' ||
        (run[0].kind === 'community' && ['road', 'numbered'].includes(run[1].kind)))
    )
      run.shift();
    const rank = Math.max(...run.map((p) => RANK[p.kind]));
    if (rank > bestRank) {
      best = run;
      bestRank = rank;
    }
  }
  const start = best[0].start;
  let end = best.at(-1)!.end;
  // a named stretch keeps its 段 (府河合江亭段, 沙河东湖段), and a number after it (下东大街段112号);
  // a gate's 段 is the stretch of road by it (东湖公园北门段), which the place does not take in
  if (t[end] === '段' && !['building', 'numbered'].includes(best.at(-1)!.kind) && t[end - 1] !== '门') {
    end++;
    end += SECTION_NUMBER.exec(t.slice(end))?.[0].length ?? 0;
  }
  RELATIVE.lastIndex = end;
  const rel = RELATIVE.exec(t);
  return {
    location: text.slice(start, end),
    note: rel ? text.slice(end + rel[0].length - rel[1].length, end + rel[0].length) : null,
  };
}
