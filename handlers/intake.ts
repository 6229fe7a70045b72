// Turns a free-text report from a group chat into a draft case: intent, category, tier, departments, emergency, location.
import type { CatalogItemConfig, District, Tier } from '../config/district.ts';
import { type CategoryTuning, categoryRanker } from './intake/category.ts';
import type { Intent } from './intake/corpus.ts';
import { emergencyDetector, onlyACry } from './intake/emergency.ts';
import {
  EMERGENCY_TUNING,
  type EmergencyTuning,
  learnedEmergency,
  loadEmergencyModel,
  notReported,
} from './intake/emergency-score.ts';
import { features } from './intake/features.ts';
import { classifyIntent, type IntentTuning, nonReportLead, withAlarm } from './intake/intent.ts';
import { keywordScorer } from './intake/keywords.ts';
import { findPlace, placeNames } from './intake/location.ts';
import { loadModel, tokenIds } from './intake/model.ts';
import { cleanText, normalise } from './intake/normalize.ts';
import { MASKED_PHRASES } from './intake-words.ts';

export type { Intent };
export { cleanText };

export interface Alternative {
  category: string;
  name: string;
  score: number; // 0..1, the parser's belief in this category
}

export interface Draft {
  intent: Intent; // a new report, or thanks / a follow-up / a question / chit-chat
  category: string; // catalog code; 'other' for a matter no item covers
  categoryName: string;
  tier: Tier; // the item's tier; 'emergency' when emergency is true
  lead: string | null; // lead department code from the catalog (null for simple/other)
  co: string[];
  departments: string[]; // [lead, ...co] without nulls
  emergency: boolean; // people or property in danger now
  /** a danger the detector heard in a message read firmly as thanks or a question (not a report): said
   * outright as a report (反映, or with a photo), it is an emergency all the same */
  alarmSetAside: boolean;
  /** no alarm, but the learned score leans toward one (a report said without the words of danger
   * often does): the street is asked to check soon, and the district's model, where one is
   * configured, is asked */
  alarmDoubt: boolean;
  location: string | null; // the most specific place named, without relative words
  locationNote: string | null; // a relative word beside the place: 旁边, 对面
  confidence: number; // 0..1: belief in the category; low means a person should look
  alternatives: Alternative[]; // the top three categories, best first
  matched: string[]; // the catalog words that pointed at the category
  text: string; // the cleaned text (trimmed, whitespace collapsed, @-mentions removed)
  /** what the district's language model said of an unsure report, where it was asked and answered */
  advice?: { category: string; emergency: boolean };
}

export interface IntakeContext {
  communityCode?: string;
  streetCode?: string;
}

export type Parser = (text: string, ctx?: IntakeContext) => Draft;

/** Below this the triage card says the bot is unsure and offers the alternatives. */
export const LOW_CONFIDENCE = 0.5;

/** The draft with another catalog item's category, tier and departments (a category another
 * system gave, or one a language model advised); an emergency keeps the emergency tier. */
export function withCategory(draft: Draft, item: CatalogItemConfig): Draft {
  return {
    ...draft,
    category: item.code,
    categoryName: item.name,
    tier: draft.emergency ? 'emergency' : item.tier,
    lead: item.lead ?? null,
    co: [...item.co],
    departments: [...(item.lead ? [item.lead] : []), ...item.co],
  };
}

/** The draft raised to an emergency (declared by the reporter, or seen by the district's model):
 * the emergency tier, and no longer a report in doubt. */
export function asEmergency(draft: Draft): Draft {
  return { ...draft, emergency: true, tier: 'emergency', alarmDoubt: false };
}

function mask(text: string): string {
  let out = text;
  for (const p of MASKED_PHRASES) {
    if (typeof p !== 'string') out = out.replace(p, (x) => '□'.repeat(x.length));
    else if (out.includes(p)) out = out.split(p).join('□'.repeat(p.length));
  }
  return out;
}

export interface ParserOptions {
  /** a folder of weights other than the committed ones (a model trained for a held-out check) */
  weights?: URL;
  /** other weights for combining the model and the keywords (for tuning them on held-out lines) */
  tuning?: CategoryTuning;
  intentTuning?: IntentTuning;
  emergencyTuning?: EmergencyTuning;
}

const urgentCheckers = new WeakMap<District, (text: string) => boolean>();

/**
 * Whether a text may report an emergency, by the detector and the learned score alone (a fraction
 * of a full parse): what is said to the bot is worked on emergencies first, so a report that
 * someone is in danger never waits behind a flood of routine ones. It errs toward first: the full
 * parse may still drop the alarm for a message it reads firmly as thanks or a question
 * (`notReported`), which then costs only its place in the queue.
 */
export function isUrgentText(district: District, text: string): boolean {
  let check = urgentCheckers.get(district);
  if (!check) {
    const detect = emergencyDetector(district.emergency_words);
    const model = loadEmergencyModel();
    check = (raw) => {
      const t = normalise(cleanText(raw));
      const danger = detect(t);
      return danger.emergency || learnedEmergency(model, t, danger).emergency;
    };
    urgentCheckers.set(district, check);
  }
  return check(text);
}

export function createParser(district: District, options: ParserOptions = {}): Parser {
  const scoreKeywords = keywordScorer(district);
  const categoryModel = loadModel('category', options.weights);
  const intentModel = loadModel('intent', options.weights);
  const emergencyModel = loadEmergencyModel(options.weights);
  const detect = emergencyDetector(district.emergency_words);
  const names = placeNames(district);
  const rankCategories = categoryRanker(district, categoryModel, options.tuning);

  return (raw, ctx) => {
    const text = cleanText(raw);
    const t = normalise(text);
    const tokens = tokenIds(features(t));
    const kw = scoreKeywords(mask(t));
    const found = detect(t);
    // a sigh of 救命 in a longer message is left to the learned score, as a danger word it judged not happening
    const danger = onlyACry(t, found) ? { ...found, emergency: false, cues: [], at: [] } : found;
    const learned = danger.emergency
      ? null
      : learnedEmergency(emergencyModel, t, danger, options.emergencyTuning, tokens);
    const alarm = danger.emergency || learned!.emergency;

    const ranked = rankCategories(tokens, kw, danger, t);
    const [code, confidence] = ranked[0] ?? ['other', 0];
    const item = district.catalogByCode.get(code);

    const place = findPlace(text, t, district, names, ctx);
    // The intent is read without the alarm first: a message firmly read as thanks or a question keeps no alarm.
    const read = classifyIntent(
      intentModel,
      {
        text: t,
        tokens,
        matter: Math.max(0, ...kw.scores.values()),
        placed: place.location !== null,
      },
      options.intentTuning,
    );
    const emergency = alarm && !notReported(t, nonReportLead(read), options.emergencyTuning, danger.at);
    const intent = (emergency ? withAlarm(read) : read).intent;
    // no alarm, but the learned score leans toward one: a report a person should look at soon
    const alarmDoubt =
      !emergency &&
      intent === 'report' &&
      (learned?.score ?? Number.NEGATIVE_INFINITY) >= (options.emergencyTuning ?? EMERGENCY_TUNING).doubt;
    const lead = item?.lead ?? null;
    const co = item?.co ?? [];
    return {
      intent,
      category: code,
      categoryName: item?.name ?? '其他',
      tier: emergency ? 'emergency' : (item?.tier ?? 'general'),
      lead,
      co: [...co],
      departments: lead ? [lead, ...co] : [...co],
      emergency,
      alarmSetAside: alarm && !emergency,
      alarmDoubt,
      location: place.location,
      locationNote: place.note,
      confidence: Math.round(confidence * 100) / 100,
      alternatives: ranked.slice(0, 3).map(([c, v]) => ({
        category: c,
        name: district.catalogByCode.get(c)?.name ?? '其他',
        score: Math.round(v * 100) / 100,
      })),
      matched: kw.hits.get(code) ?? [],
      text,
    };
  };
}
