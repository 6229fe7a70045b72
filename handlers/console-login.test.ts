import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { digest } from '../db/console-sessions.ts';
import { type World, world } from '../test/world.ts';
import { parseCommand } from './commands.ts';
import { execute } from './execute.ts';
import type { Actor } from './people.ts';

describe('登录后台', () => {
  let w: World;
  beforeEach(async () => {
    w = await world();
  });
  afterEach(() => w.close());

  /** The person says 登录后台 in a group chat, as the router hands it on (with who spoke). */
  const inGroup = (actor: Actor, platform: string, chatId: string, userId: string) =>
    execute(w.ctx, { actor, origin: { platform, chatId, userId } }, { type: 'console_login' });
  const rows = () =>
    w.t.db
      .selectFrom('outbox')
      .select(['platform', 'chat_id', 'payload'])
      .where('kind', '=', 'message')
      .orderBy('id')
      .execute();

  it('is a command of the grammar', () => {
    expect(parseCommand('登录后台', w.ctx.district)).toEqual({
      ok: true,
      command: { type: 'console_login' },
    });
  });

  it('answers privately in a group where the platform can, with a one-time link stored only as a digest', async () => {
    w.ctx.privateReplies = ['lark'];
    w.ctx.publicUrl = 'https://huying.example.gov.cn/';
    const out = await inGroup(w.actors.office, 'lark', 'oc_sample_office', 'ou_sample_office1');
    expect(out.ok).toBe(true);
    const [row] = await rows();
    const payload = row.payload as { privateTo?: string; message: { text: string; private?: boolean } };
    expect(payload.privateTo).toBe('ou_sample_office1');
    expect(payload.message.private).toBe(true);
    const secret = /https:\/\/huying\.example\.gov\.cn\/console\/login\/([A-Za-z0-9_-]{43})/.exec(
      payload.message.text,
    )![1];
    const link = await w.t.db.selectFrom('console_links').selectAll().executeTakeFirstOrThrow();
    expect(link.token_hash).toBe(digest(secret));
    expect(link.token_hash).not.toContain(secret);
    expect(new Date(link.expires_at).getTime() - new Date(link.created_at).getTime()).toBe(10 * 60_000);
  });

  it('never posts a link in a group where the platform cannot answer one person alone: it asks for a direct message', async () => {
    w.ctx.privateReplies = ['lark'];
    const out = await inGroup(w.actors.liang, 'wechat', 'room-1', 'wx-liang');
    expect(out.ok).toBe(true);
    const [row] = await rows();
    const text = (row.payload as { message: { text: string } }).message.text;
    expect(text).toContain('私信');
    expect(text).not.toContain('/console/login/');
    expect(await w.t.db.selectFrom('console_links').selectAll().execute()).toEqual([]);
  });

  it('sends the link in a one-to-one chat on any platform', async () => {
    const out = await execute(
      w.ctx,
      { actor: w.actors.cgw, origin: { platform: 'wechat', chatId: 'wx-cgw' } },
      { type: 'console_login' },
    );
    expect(out.ok).toBe(true);
    const [row] = await rows();
    expect((row.payload as { message: { text: string } }).message.text).toMatch(
      /^城管联络员.*\n\/console\/login\/[A-Za-z0-9_-]{43}$/s,
    );
  });

  it('refuses residents, and makes no link', async () => {
    w.ctx.privateReplies = ['lark'];
    const out = await inGroup(w.actors.resident, 'lark', 'oc_sample_chenhui', 'ou_resident_wang');
    expect(out).toMatchObject({ ok: false, code: 'forbidden' });
    expect(await w.t.db.selectFrom('console_links').selectAll().execute()).toEqual([]);
  });
});
