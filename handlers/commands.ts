// Every command a person can give, validated with zod at the boundary.
import { z } from 'zod';
import { TIERS } from '../config/district.ts';

const ref = z.string().trim().min(1, '缺少呼叫单编号');
const reason = z.string().trim().min(2, '请写明理由').max(500, '理由请控制在500字以内');
const unit = z.string().trim().min(1);
const dim = z.number().int('评分须为整数').min(0, '每项评分在0到20之间').max(20, '每项评分在0到20之间');

export const commandSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('help'), all: z.boolean().default(false) }),
  z.object({ type: z.literal('todo') }),
  z.object({ type: z.literal('query'), ref }),
  z.object({
    type: z.literal('report'),
    text: z.string().trim().min(1).max(2000, '内容过长，请精简到2000字以内'),
    location: z.string().trim().max(200).optional(),
    images: z.array(z.string()).max(9).default([]),
    category: z.string().optional(),
    contact: z.string().max(50).optional(),
    street: z.string().optional(),
    community: z.string().optional(),
    latitude: z.number().min(-90).max(90).optional(),
    longitude: z.number().min(-180).max(180).optional(),
    /** the reporter says people or property are in danger (Open311's emergency attribute) */
    emergency: z.boolean().default(false),
    source: z.string().default('chat'),
  }),
  /** something said to the bot in a chat where reports belong: a report, or thanks, a follow-up,
   * a question (handlers/heard.ts decides) */
  z.object({
    type: z.literal('said'),
    text: z.string().trim().min(1).max(2000, '内容过长，请精简到2000字以内'),
    images: z.array(z.string()).max(9).default([]),
    source: z.string().default('chat'),
  }),
  z.object({
    type: z.literal('triage'),
    ref,
    tier: z.enum(TIERS).optional(),
    category: z.string().optional(),
    lead: unit.optional(),
    co: z.array(unit).optional(),
    location: z.string().trim().max(200).optional(),
    call: z.boolean().default(true),
  }),
  z.object({ type: z.literal('dispatch'), ref, departments: z.array(unit).min(1, '请指定派单部门') }),
  z.object({ type: z.literal('add_co'), ref, departments: z.array(unit).min(1, '请指定协办部门') }),
  z.object({ type: z.literal('acknowledge'), ref, unit: unit.optional() }),
  z.object({
    type: z.literal('progress'),
    ref,
    text: z.string().trim().min(1, '请写明进展').max(1000),
    unit: unit.optional(),
  }),
  z.object({
    type: z.literal('resolve'),
    ref,
    text: z.string().trim().min(2, '请写明办理结果').max(1000),
    images: z.array(z.string()).max(9).default([]),
    unit: unit.optional(),
  }),
  z.object({ type: z.literal('return'), ref, reason, unit: unit.optional() }),
  z.object({ type: z.literal('close'), ref }),
  z.object({ type: z.literal('reopen'), ref, reason }),
  z.object({ type: z.literal('merge'), ref, into: ref }),
  z.object({ type: z.literal('cancel'), ref, reason }),
  z.object({ type: z.literal('reassign'), ref, from: unit, to: unit, reason: reason.optional() }),
  z.object({
    type: z.literal('set_deadline'),
    ref,
    unit,
    kind: z.enum(['ack', 'resolve']).default('resolve'),
    due: z.string().trim().min(1, '请写明新的时限'),
    reason,
  }),
  z.object({
    type: z.literal('score'),
    ref,
    unit: unit.optional(),
    scores: z.tuple([dim, dim, dim, dim, dim], {
      message: '请给出五项评分：报到 专业性 担当意识 配合度 办理结果',
    }),
    comment: z.string().trim().max(500).optional(),
  }),
  z.object({ type: z.literal('rate'), ref, answer: z.enum(['satisfied', 'basic', 'unsatisfied']) }),
  z.object({ type: z.literal('spot_check'), ref, note: z.string().trim().max(500).optional() }),
  /** 登录后台: a one-time link to the web console, privately (handlers/console-login.ts) */
  z.object({ type: z.literal('console_login') }),
]);

export type Command = z.infer<typeof commandSchema>;
export type CommandType = Command['type'];
export type CommandOf<T extends CommandType> = Extract<Command, { type: T }>;
