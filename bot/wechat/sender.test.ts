import { randomBytes } from 'node:crypto';
import type { FileBoxInterface } from 'file-box';
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../config/log.ts';
import type { ImageSource } from '../../handlers/images.ts';
import { notice } from '../../handlers/messages.ts';
import type { OutgoingMessage } from '../../jobs/platform.ts';
import { Lru } from '../lru.ts';
import { type WechatBotLike, type WechatContactLike, WechatSender } from './sender.ts';

/** A room that records what was said and can fail on chosen calls. */
function fakeBot(opts: { rooms?: Record<string, string>; contacts?: WechatContactLike[] } = {}) {
  const said: { roomId: string; text: string; mentions: string[]; file?: { name: string; bytes: Buffer } }[] =
    [];
  const failOn = new Set<number>();
  let calls = 0;
  const rooms = opts.rooms ?? { 'r1@chatroom': '东湖街道工作群' };
  const room = (id: string) => ({
    id,
    async say(sayable: string | FileBoxInterface, ...mentions: WechatContactLike[]) {
      if (failOn.delete(++calls)) throw new Error('network hiccup');
      if (typeof sayable !== 'string') {
        const file = { name: sayable.name, bytes: await sayable.toBuffer() };
        said.push({ roomId: id, text: '', mentions: [], file });
        return undefined;
      }
      said.push({ roomId: id, text: sayable, mentions: mentions.map((m) => m.id) });
      return undefined;
    },
  });
  const bot: WechatBotLike & { isLoggedIn: boolean } = {
    isLoggedIn: true,
    Room: {
      async find(q) {
        const id = 'id' in q ? q.id : Object.keys(rooms).find((k) => rooms[k] === q.topic);
        return id && rooms[id] ? room(id) : undefined;
      },
    },
    Contact: {
      async find(q) {
        return (opts.contacts ?? []).find((c) => ('id' in q ? c.id === q.id : c.name() === q.name));
      },
    },
  };
  return { bot, said, failOn };
}

const out = (over: Partial<OutgoingMessage> = {}): OutgoingMessage => ({
  chatId: 'topic:东湖街道工作群',
  message: notice('通知', '内容'),
  replyTo: null,
  idempotencyKey: 'k1',
  mentions: [],
  ...over,
});

describe('WechatSender', () => {
  it('is ready only while logged in', async () => {
    const { bot } = fakeBot();
    let online = false;
    const sender = new WechatSender(
      () => bot,
      () => online,
      silentLogger,
    );
    expect(sender.ready()).toBe(false);
    await expect(sender.send(out())).rejects.toMatchObject({ kind: 'retry' });
    online = true;
    expect(sender.ready()).toBe(true);
    bot.isLoggedIn = false;
    expect(sender.ready()).toBe(false);
  });

  it('finds rooms by topic or id, and asks to retry when the bot is not in the room', async () => {
    const { bot, said } = fakeBot();
    const sender = new WechatSender(
      () => bot,
      () => true,
      silentLogger,
    );
    await sender.send(out());
    await sender.send(out({ chatId: 'r1@chatroom', idempotencyKey: 'k2' }));
    expect(said.map((s) => s.roomId)).toEqual(['r1@chatroom', 'r1@chatroom']);
    await expect(sender.send(out({ chatId: 'topic:别的群', idempotencyKey: 'k3' }))).rejects.toMatchObject({
      name: 'SendError',
      kind: 'retry',
    });
  });

  it('@-mentions contacts by id or by name, and names the rest in the text', async () => {
    const li = { id: 'wx_li', name: () => '城管小李' };
    const wang = { id: 'wx_wang', name: () => '王科长' };
    const { bot, said } = fakeBot({ contacts: [li, wang] });
    const sender = new WechatSender(
      () => bot,
      () => true,
      silentLogger,
    );
    await sender.send(
      out({
        mentions: [
          { personId: '1', name: '城管小李', platformUserId: 'name:城管小李' },
          { personId: '2', name: '王科长', platformUserId: 'wx_wang' },
          { personId: '3', name: '城管联络员', platformUserId: null },
        ],
      }),
    );
    expect(said[0].mentions).toEqual(['wx_li', 'wx_wang']);
    expect(said[0].text.startsWith('@城管联络员 【通知】')).toBe(true);
  });

  it('resumes a split message where a failed send stopped, and never repeats a sent key', async () => {
    const { bot, said, failOn } = fakeBot();
    const sender = new WechatSender(
      () => bot,
      () => true,
      silentLogger,
      undefined,
      50,
    );
    const long = out({
      message: notice('长', Array.from({ length: 30 }, (_, i) => `第${i}行内容`).join('\n')),
    });
    failOn.add(2); // the second part fails once
    await expect(sender.send(long)).rejects.toMatchObject({ kind: 'retry' });
    expect(said).toHaveLength(1);
    const first = await sender.send(long);
    const parts = said.length;
    expect(parts).toBeGreaterThan(2);
    expect(new Set(said.map((s) => s.text)).size).toBe(parts);
    expect(said[1].text.startsWith('（续）')).toBe(true);
    expect(await sender.send(long)).toEqual(first);
    expect(said).toHaveLength(parts);
    expect(first.messageId).toBe('wechat-k1');
  });
});

describe('WechatSender with pictures', () => {
  const png = randomBytes(3000);
  const source: ImageSource = async (ref) =>
    ref === 'chart:test' ? { bytes: png, filename: 'huying-test.png', mime: 'image/png' } : null;
  const withChart = out({
    idempotencyKey: 'pic',
    message: {
      ...notice('月报', '各部门得分'),
      images: [
        { ref: 'chart:test', alt: '部门得分' },
        { ref: 'chart:unknown', alt: '画不出的图' },
      ],
    },
  });

  it('sends the text, then each picture it can draw as an image file; a failed picture alone is retried', async () => {
    const { bot, said, failOn } = fakeBot();
    const sender = new WechatSender(
      () => bot,
      () => true,
      silentLogger,
      source,
    );
    failOn.add(2); // the picture fails once
    await expect(sender.send(withChart)).rejects.toMatchObject({ kind: 'retry' });
    expect(said.map((s) => !!s.file)).toEqual([false]);
    await sender.send(withChart);
    expect(said.map((s) => !!s.file)).toEqual([false, true]);
    expect(said[0].text).toContain('【月报】');
    expect(said[1].file!.name).toBe('huying-test.png');
    expect(said[1].file!.bytes.equals(png)).toBe(true);
    await sender.send(withChart);
    expect(said).toHaveLength(2);
  });

  it('without a picture source sends the text alone', async () => {
    const { bot, said } = fakeBot();
    const sender = new WechatSender(
      () => bot,
      () => true,
      silentLogger,
    );
    await sender.send(withChart);
    expect(said.map((s) => !!s.file)).toEqual([false]);
  });
});

describe('Lru', () => {
  it('forgets the least recently used', () => {
    const lru = new Lru<string, number>(2);
    lru.set('a', 1);
    lru.set('b', 2);
    lru.get('a');
    lru.set('c', 3);
    expect([lru.get('a'), lru.get('b'), lru.get('c')]).toEqual([1, undefined, 3]);
    expect(lru.size).toBe(2);
  });
});
