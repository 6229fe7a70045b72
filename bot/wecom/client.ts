// The few WeCom HTTP calls Huying makes, with a timeout: a 智能机器人's response_url, and a group
// robot's (消息推送) webhook. Both answer {errcode, errmsg}; failures say whose fault they are.
import { PlatformSendError, type SendError } from '../../jobs/platform.ts';

export interface WecomAnswer {
  errcode: number;
  errmsg: string;
  [k: string]: unknown;
}

/** Errcodes that mean "too fast": 45009 (API call frequency over the limit). */
const RATE_LIMITED = new Set([45009]);
/** WeCom's own trouble: -1 (系统繁忙). */
const BUSY = new Set([-1]);

/** Whose fault, by the answer: too fast, WeCom's trouble (retry), or what we sent (permanent). */
export function classify(f: { status?: number; errcode?: number; network?: boolean }): SendError['kind'] {
  if (f.errcode !== undefined && RATE_LIMITED.has(f.errcode)) return 'rate_limited';
  if (f.status === 429) return 'rate_limited';
  if (f.network || (f.status ?? 0) >= 500) return 'retry';
  if (f.errcode !== undefined && BUSY.has(f.errcode)) return 'retry';
  return 'permanent';
}

export interface PostResult {
  status: number;
  answer?: WecomAnswer;
}

/** POSTs JSON; resolves with the HTTP status and the answer, throws on a network failure. */
export async function postJson(url: string, body: unknown, timeoutMs = 10_000): Promise<PostResult> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json; charset=utf-8' },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(timeoutMs),
  });
  const text = await res.text();
  let answer: WecomAnswer | undefined;
  try {
    const v = JSON.parse(text);
    if (v && typeof v === 'object' && typeof v.errcode === 'number') answer = v as WecomAnswer;
  } catch {}
  return { status: res.status, answer };
}

/** The group robot's send address for a webhook key. */
export const webhookUrl = (base: string, key: string, path = 'send') =>
  `${base.replace(/\/+$/, '')}/cgi-bin/webhook/${path}?key=${encodeURIComponent(key)}`;

/** Runs one call and throws a classified PlatformSendError unless WeCom answered errcode 0. */
export async function call(
  method: string,
  payload: string,
  fn: () => Promise<PostResult>,
): Promise<WecomAnswer> {
  let failure: { status?: number; errcode?: number; network?: boolean; msg: string };
  try {
    const r = await fn();
    if (r.status === 200 && r.answer?.errcode === 0) return r.answer;
    failure = {
      status: r.status,
      errcode: r.answer?.errcode,
      msg: r.answer ? `${r.answer.errcode} ${r.answer.errmsg}` : `HTTP ${r.status}`,
    };
  } catch (e) {
    failure = { network: true, msg: (e as Error).message };
  }
  const kind = classify(failure);
  throw new PlatformSendError(
    kind,
    `wecom ${method} ${failure.network ? `unreachable (${failure.msg})` : `refused: ${failure.msg}`} [${payload}]`,
    {
      platform: 'wecom',
      code: failure.errcode,
      status: failure.status,
      // a group robot's limit is per minute: wait for the next one
      ...(kind === 'rate_limited' ? { retryAfterMs: 60_000 } : {}),
    },
    method,
    payload,
  );
}
