// A second opinion from the district's own deployed language model (any OpenAI-compatible chat
// completions endpoint), asked only about a report the local parser is unsure of. Off unless
// configured. It answers within a strict timeout or not at all: whatever goes wrong (a timeout,
// an error, an answer that is not a catalog code), the local reading stands, and the report is
// never held up for longer than the timeout. It may raise an alarm the parser did not hear; it
// never takes one away.
import { z } from 'zod';
import type { District } from '../../config/district.ts';
import type { Logger } from '../../config/log.ts';
import { asEmergency, type Draft, LOW_CONFIDENCE, withCategory } from '../intake.ts';

export interface AdvisorOptions {
  /** the endpoint's base address, e.g. http://10.0.0.5:8000/v1 (…/chat/completions is added) */
  url: string;
  model: string;
  apiKey?: string;
  /** the longest a report waits for the answer (ms) */
  timeoutMs: number;
  log: Logger;
  /** after this many failures in a row the endpoint is left alone for `restMs` (a down endpoint
   * would otherwise cost every unsure report the whole timeout) */
  failuresToRest?: number;
  restMs?: number;
  /** for tests: the clock the rest is measured on */
  now?: () => number;
}

/** What the model is asked for, and all that is taken from its answer. */
const adviceSchema = z.object({
  category: z.string().trim().min(1).max(64),
  emergency: z.boolean().default(false),
});
export type Advice = z.output<typeof adviceSchema>;

const completionSchema = z.object({
  choices: z.array(z.object({ message: z.object({ content: z.string().nullable() }) })).min(1),
});

/** Takes a draft and gives it back, advised where the model answered in time and made sense. */
export type Advisor = (draft: Draft) => Promise<Draft>;

/** Whether a draft is one the model is asked about: a report (not an emergency already, which
 * must not wait) whose category the parser is unsure of, or which may be an emergency. */
export function wantsAdvice(draft: Draft): boolean {
  return (
    draft.intent === 'report' && !draft.emergency && (draft.confidence < LOW_CONFIDENCE || draft.alarmDoubt)
  );
}

/** The instructions: the catalog's codes with their names and words, and the answer's shape. */
export function advicePrompt(district: District): string {
  const items = district.catalog
    .map((c) => `${c.code}：${c.name}${c.keywords.length ? `（${c.keywords.join('、')}）` : ''}`)
    .join('\n');
  return [
    `你是${district.district.name}“街道呼·部门应”的问题分类助手。下面是群众在群里反映的一条问题，请判断它属于哪一类事项，以及是否紧急。`,
    '事项类别（代码：名称（常见说法））：',
    items,
    '“紧急”只指此刻有人员或财产危险、分秒必争：有人被困、正在着火冒烟、正闻到燃气味、有人受伤落水、塌了且有人在附近、带电电线落在有人走的地方。假设、已经过去的事、演练、玩笑、比喻都不算紧急。',
    '只回答一个 JSON 对象，不要解释：{"category": "类别代码", "emergency": true 或 false}。哪类都不是就用 other。',
  ].join('\n');
}

/** The first JSON object in a model's answer (models wrap it in prose or ``` fences at times). */
function adviceOf(content: string): Advice | null {
  const start = content.indexOf('{');
  const end = content.lastIndexOf('}');
  if (start < 0 || end < start) return null;
  try {
    const parsed = adviceSchema.safeParse(JSON.parse(content.slice(start, end + 1)));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

/** The draft as the advice would have it: the advised category (where the parser was unsure of
 * its own) first among the alternatives; the confidence stays the parser's, so the street is still
 * told the bot was unsure; an emergency the model sees is raised. */
export function applyAdvice(district: District, draft: Draft, advice: Advice): Draft {
  let out = advice.emergency && !draft.emergency ? asEmergency(draft) : draft;
  const item = draft.confidence < LOW_CONFIDENCE ? district.catalogByCode.get(advice.category) : undefined;
  if (item && item.code !== draft.category) {
    const own = draft.alternatives.find((a) => a.category === item.code);
    out = {
      ...withCategory(out, item),
      alternatives: [
        { category: item.code, name: item.name, score: own?.score ?? 0 },
        ...draft.alternatives.filter((a) => a.category !== item.code),
      ].slice(0, 3),
    };
  }
  const named = district.catalogByCode.has(advice.category) ? advice.category : draft.category;
  return { ...out, advice: { category: named, emergency: advice.emergency } };
}

export function createAdvisor(district: District, options: AdvisorOptions): Advisor {
  const endpoint = `${options.url.replace(/\/+$/, '')}/chat/completions`;
  const system = advicePrompt(district);
  const failuresToRest = options.failuresToRest ?? 3;
  const restMs = options.restMs ?? 60_000;
  const now = options.now ?? Date.now;
  let failures = 0;
  let restUntil = 0;

  const fail = (why: string) => {
    failures++;
    if (failures >= failuresToRest) {
      if (failures === failuresToRest)
        options.log.warn(
          { endpoint, failures, restMs },
          'language model endpoint failing: left alone for a while; the local parser decides meanwhile',
        );
      restUntil = now() + restMs;
    }
    options.log.debug({ endpoint, why }, 'language model advice not used: the local reading stands');
  };

  return async (draft) => {
    if (!wantsAdvice(draft) || now() < restUntil) return draft;
    try {
      const res = await fetch(endpoint, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(options.apiKey && { authorization: `Bearer ${options.apiKey}` }),
        },
        body: JSON.stringify({
          model: options.model,
          temperature: 0,
          max_tokens: 64,
          messages: [
            { role: 'system', content: system },
            { role: 'user', content: draft.text },
          ],
        }),
        signal: AbortSignal.timeout(options.timeoutMs),
      });
      if (!res.ok) {
        await res.body?.cancel();
        fail(`HTTP ${res.status}`);
        return draft;
      }
      const body = completionSchema.safeParse(await res.json());
      const advice = body.success ? adviceOf(body.data.choices[0].message.content ?? '') : null;
      if (!advice) {
        fail('answer is not the JSON asked for');
        return draft;
      }
      failures = 0;
      if (!district.catalogByCode.has(advice.category) && !advice.emergency) {
        options.log.debug({ category: advice.category }, 'language model named no catalog code');
        return draft;
      }
      return applyAdvice(district, draft, advice);
    } catch (err) {
      fail(err instanceof Error ? `${err.name}: ${err.message}` : String(err));
      return draft;
    }
  };
}
