// What a chat's line says under a flood: routine messages of the same kind merged into one (a
// receipt naming several reports, a street message listing the new calls to triage, each still
// with its own button and command words), how a pressed merged card changes, and the warning to
// the office when a line stays long. Reminders, deadline notices and escalations falling due for
// one chat within a few seconds (the district file's escalation.coalesce_seconds) always go as
// one message listing the calls (those fired together are written merged already, and merge on).
// Pure functions of Messages; jobs/ decides when.
import type { Button, Message } from './messages.ts';

/**
 * What an outbox message row carries. Timer messages falling due together for one chat are
 * written as one row already merged, with the calls it names (`calls`); any other row carries
 * one message about at most one call.
 */
export interface OutboxPayload {
  message: Message;
  /** a row written already merged: the calls its message names, in its order */
  calls?: SentCall[];
  replyTo?: string | null;
  /** card_update rows: the platform message to change */
  platformMessageId?: string;
  /** the platform user who alone should see it */
  privateTo?: string;
}

/** One call a sent message names: what it is remembered by, to find a pressed card. */
export interface SentCall {
  callId: string | null;
  kind: string;
  assignmentId: string | null;
}

/** The calls a row's message names: those merged into it, or its own. */
export const callsOf = (payload: unknown, callId: string | null): SentCall[] => {
  const p = payload as OutboxPayload;
  return p.calls?.length
    ? p.calls
    : [{ callId, kind: p.message.kind, assignmentId: p.message.assignmentId ?? null }];
};

/** The most calls one merged message names under a flood (a Lark card stays far below its 30 KB). */
export const MERGE_LIMIT = 20;

/** The kinds of message timers send: they coalesce per chat (mergeKey COALESCED). */
export const TIMER_KINDS = ['remind', 'overdue', 'escalate', 'wait_remind', 'wait_escalate'];
/** The merge key of timer messages: merged whenever they fall due together, flood or not. */
export const COALESCED = 'timers';

const CALL_NO = /[A-Z]{2,4}-\d{8}-\d{4}/;
const short = (no: string) => no.slice(-4);
const field = (m: Message, label: string) => m.fields?.find((f) => f.label === label)?.value;
const clip = (s: string, n: number) => ([...s].length > n ? `${[...s].slice(0, n - 1).join('')}…` : s);

interface Rule {
  kind: string;
  /** the most calls one merged message names */
  limit: number;
  title(n: number): string;
  tone(parts: Message[]): Message['tone'];
  /** one line for a call */
  line(m: Message): string;
  /** what people can do, in words (`no`: the first call's number) */
  text(no: string): string;
  /** the buttons each call keeps */
  keeps(b: Button): boolean;
}

const RULES: Record<string, Rule> = {
  // the reporters' receipts in a community chat
  draft: {
    kind: 'draft_list',
    limit: MERGE_LIMIT,
    title: (n) => `已收到 ${n} 条反映`,
    tone: () => 'info',
    line: (m) =>
      [field(m, '类别'), field(m, '地点'), field(m, '对口部门') && `对口部门：${field(m, '对口部门')}`]
        .filter(Boolean)
        .join('｜'),
    text: (no) => `街道将逐条研判处理。发送「查询 编号后四位」查看进度，如「查询 ${short(no)}」。`,
    keeps: () => false,
  },
  // the street's new calls to triage
  triage: {
    kind: 'triage_list',
    limit: MERGE_LIMIT,
    title: (n) => `新呼叫待研判（${n} 件）`,
    tone: () => 'warning',
    line: (m) =>
      [
        clip(field(m, '反映内容') ?? '', 40),
        field(m, '地点'),
        field(m, '类别'),
        field(m, '建议部门') && `建议：${field(m, '建议部门')}`,
        field(m, '疑似重复') && `疑似重复 ${field(m, '疑似重复')}`,
      ]
        .filter(Boolean)
        .join('｜'),
    text: (no) => {
      const n = short(no);
      return `消息较多，已合并发送。每件可按下方按钮按建议呼叫，或回复：呼叫 ${n} [等级] [部门]、自行处置 ${n}、提交呼应办 ${n}、提交领导 ${n}、撤销 ${n} 理由（${n} 换成各件编号后四位）；发送「查询 ${n}」看单件详情。`;
    },
    keeps: (b) => b.style === 'primary' && !b.needsText,
  },
  // reminders, deadline notices and escalations falling due together for one chat
  [COALESCED]: {
    kind: 'reminder_list',
    limit: 50,
    title: (n) => `催办汇总：${n} 件同时到期`,
    tone: (parts) => (parts.some((p) => p.tone === 'danger') ? 'danger' : 'warning'),
    line: (m) => [withoutNo(m.title, m.callNo!), clip(field(m, '问题') ?? '', 30)].filter(Boolean).join('｜'),
    text: (no) => {
      const n = short(no);
      return `以上各件的催办同时到期，合并为一条发送。可按各件按钮报到，或回复「报到 ${n}」「办结 ${n} 办理结果」（${n} 换成各件编号后四位）；发送「查询 ${n}」看单件详情。`;
    },
    keeps: (b) => b.style === 'primary' && !b.needsText,
  },
};

/** A title without its call's number (a merged message's line starts with the number). */
const withoutNo = (title: string, no: string) =>
  title.includes(` ${no}`) ? title.replace(` ${no}`, '') : title.replace(`${no} `, '').replace(no, '');

const MERGED_KINDS = new Set(Object.values(RULES).map((r) => r.kind));

/**
 * Which messages merge with which: the same key merges. Only messages about one call, without
 * pictures, not private (those go as they are), of a kind with a rule: timer messages (their
 * @-mentions kept, urgent or not) and, under a flood, routine ones without @-mentions. Timer
 * messages already merged merge on.
 */
export function mergeKey(m: Message): string | undefined {
  if (m.private || m.images?.length) return undefined;
  if (m.kind === RULES[COALESCED].kind) return COALESCED;
  if (!m.callNo) return undefined;
  if (TIMER_KINDS.includes(m.kind)) return COALESCED;
  if (m.urgent || m.mentions?.length) return undefined;
  return RULES[m.kind] && m.kind !== COALESCED ? m.kind : undefined;
}

/** The kinds of message that coalesce per chat: timer messages, and those already merged. */
export const COALESCED_KINDS = [...TIMER_KINDS, RULES[COALESCED].kind];

/** The most calls that merge into one message under this key. */
export const mergeLimit = (key: string) => RULES[key]?.limit ?? 1;

export const isMerged = (m: Message) => MERGED_KINDS.has(m.kind);

/**
 * One message for several of the same key, in the order given (a single one stays as it is). A
 * part already merged brings its lines and buttons as they are.
 */
export function mergeMessages(parts: Message[]): Message {
  if (parts.length === 1) return parts[0];
  const key = mergeKey(parts[0]);
  const rule = key ? RULES[key] : undefined;
  if (!rule || parts.some((p) => mergeKey(p) !== key))
    throw new Error(`cannot merge messages of kinds ${[...new Set(parts.map((p) => p.kind))].join(', ')}`);
  const merged = (p: Message) => p.kind === rule.kind;
  const mentions = [
    ...new Map(parts.flatMap((p) => p.mentions ?? []).map((m) => [m.personId ?? m.name, m])).values(),
  ];
  const fields = parts.flatMap((p) =>
    merged(p) ? (p.fields ?? []) : [{ label: p.callNo!, value: rule.line(p) || p.title }],
  );
  return {
    kind: rule.kind,
    title: rule.title(fields.length),
    tone: rule.tone(parts),
    ...(parts.some((p) => p.urgent) ? { urgent: true } : {}),
    ...(mentions.length ? { mentions } : {}),
    fields,
    text: rule.text(fields[0].label),
    buttons: parts.flatMap((p) =>
      merged(p)
        ? (p.buttons ?? [])
        : (p.buttons ?? [])
            .filter(rule.keeps)
            .map((b) => ({ ...b, label: `${short(p.callNo!)} ${b.label}` })),
    ),
  };
}

/**
 * The pressed card as it should now look. A card about one call loses its buttons and says who
 * did what; a merged card loses only the buttons of the pressed call, whose line says it.
 */
export function pressedUpdate(card: Message, command: string, note: string): Message {
  if (!isMerged(card)) return { ...card, buttons: [], form: undefined, note };
  const no = CALL_NO.exec(command)?.[0];
  if (!no || !card.fields?.some((f) => f.label === no)) return { ...card, note };
  return {
    ...card,
    fields: card.fields.map((f) => (f.label === no ? { ...f, value: `${f.value}｜${note}` } : f)),
    // a button belongs to the first call it names ("合并 0002 到 0001" is 0002's)
    buttons: (card.buttons ?? []).filter((b) => CALL_NO.exec(b.command)?.[0] !== no),
  };
}

export interface LongLine {
  /** the platform, as people call it (飞书) */
  platform: string;
  /** the chat's name (its unit's), or its id */
  name: string;
  waiting: number;
  urgent: number;
  oldestWaitSeconds: number;
  longForSeconds: number;
}

const minutes = (s: number) => (s < 60 ? `${Math.max(0, Math.round(s))} 秒` : `${Math.round(s / 60)} 分钟`);

/** To the office: a chat's line has stayed long. */
export function lineWarning(l: LongLine): Message {
  return {
    kind: 'line_warning',
    title: `消息积压：${l.name}`,
    tone: 'warning',
    urgent: true,
    fields: [
      { label: '群', value: `${l.name}（${l.platform}）` },
      { label: '待发消息', value: `${l.waiting} 条${l.urgent ? `（其中紧急 ${l.urgent} 条）` : ''}` },
      { label: '最早一条已等待', value: minutes(l.oldestWaitSeconds) },
      { label: '积压已持续', value: minutes(l.longForSeconds) },
    ],
    text: '该群的发送队列持续过长：紧急消息优先发出，同类常规消息已合并发送。请留意平台限流或故障；各群排队情况可在 GET /api/outbox/backlog 查看。本轮积压只提醒这一次。',
  };
}
