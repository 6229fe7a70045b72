// Lark events → Inbound: mentions, text and post content, images, direct messages, card actions.
import { describe, expect, it } from 'vitest';
import { larkEvent } from '../../test/fakes/lark-events.ts';
import {
  flattenEnvelope,
  LarkEventError,
  type LarkMessageEvent,
  normalizeCardAction,
  normalizeMessage,
  resolveMentions,
} from './inbound.ts';
import { NONE_VALUE } from './render.ts';

const BOT = 'ou_bot0000000000000000000000000001';
const flat = (e: object) => flattenEnvelope(e as never) as LarkMessageEvent;

describe('normalizeMessage', () => {
  it('strips the bot mention and keeps the sender, chat, message and event ids', () => {
    const e = larkEvent.message({
      chatId: 'oc_sample_chenhui',
      senderOpenId: 'ou_resident_1',
      text: '@_user_1 晨辉路12号路灯不亮了',
      mentions: [{ openId: BOT, name: '呼应' }],
      eventId: 'ev-1',
      messageId: 'om_1',
    });
    expect(normalizeMessage(flat(e), BOT)).toEqual({
      platform: 'lark',
      eventId: 'ev-1',
      chatId: 'oc_sample_chenhui',
      messageId: 'om_1',
      sender: { userId: 'ou_resident_1' },
      text: '晨辉路12号路灯不亮了',
      mentionsBot: true,
      images: [],
      p2p: false,
    });
  });

  it('writes other people’s mentions as @name and tells them from the bot', () => {
    const e = larkEvent.message({
      chatId: 'oc_1',
      senderOpenId: 'ou_1',
      text: '@_user_2 你看 @_user_1 这个 @_user_10 也看',
      mentions: [
        { openId: BOT, name: '呼应' },
        { openId: 'ou_zhang', name: '张三' },
        ...Array.from({ length: 8 }, (_, i) => ({ openId: `ou_x${i}`, name: `人${i}` })),
      ],
    });
    const inbound = normalizeMessage(flat(e), BOT)!;
    expect(inbound.text).toBe('@张三 你看 这个 @人7 也看');
    expect(inbound.mentionsBot).toBe(true);
    const other = larkEvent.message({
      chatId: 'oc_1',
      senderOpenId: 'ou_1',
      text: '@_user_1 路灯坏了',
      mentions: [{ openId: 'ou_zhang', name: '张三' }],
    });
    expect(normalizeMessage(flat(other), BOT)).toMatchObject({ mentionsBot: false, text: '@张三 路灯坏了' });
  });

  it('drops @all and placeholders nobody explained', () => {
    expect(resolveMentions('@_all 大家注意 @_user_3 停水', [], BOT)).toBe('大家注意 停水');
  });

  it.each([
    ['without a locale wrapper', (post: object) => post],
    ['wrapped in zh_cn', (post: object) => ({ zh_cn: post })],
  ])('flattens a post %s: title, paragraphs, mentions and images', (_, wrap) => {
    const post = {
      title: '反映问题',
      content: [
        [
          { tag: 'at', user_id: '@_user_1', user_name: '呼应' },
          { tag: 'text', text: ' 锦华路88号' },
          { tag: 'a', text: '门口', href: 'https://x' },
        ],
        [{ tag: 'img', image_key: 'img_v3_photo' }],
        [
          { tag: 'text', text: '路灯不亮' },
          { tag: 'emotion', emoji_type: 'SMILE' },
        ],
      ],
    };
    const e = larkEvent.message({
      chatId: 'oc_1',
      senderOpenId: 'ou_1',
      messageType: 'post',
      rawContent: JSON.stringify(wrap(post)),
      mentions: [{ openId: BOT }],
    });
    expect(normalizeMessage(flat(e), BOT)).toMatchObject({
      text: '反映问题\n锦华路88号门口\n路灯不亮',
      images: [expect.stringMatching(/^lark-image:om_\w+\/img_v3_photo$/)],
      mentionsBot: true,
    });
  });

  it('keeps the key of an image message', () => {
    const e = larkEvent.message({ chatId: 'oc_1', senderOpenId: 'ou_1', imageKey: 'img_v3_abc' });
    expect(normalizeMessage(flat(e), BOT)).toMatchObject({
      text: '',
      images: [`lark-image:${e.event.message.message_id}/img_v3_abc`],
      mentionsBot: false,
    });
  });

  it('marks a direct message as p2p and addressed to the bot', () => {
    const e = larkEvent.message({
      chatId: 'oc_p2p',
      senderOpenId: 'ou_1',
      chatType: 'p2p',
      text: '我的待办',
    });
    expect(normalizeMessage(flat(e), BOT)).toMatchObject({ p2p: true, mentionsBot: true, text: '我的待办' });
  });

  it('ignores other bots and reads unknown message types as empty', () => {
    const e = larkEvent.message({ chatId: 'oc_1', senderOpenId: 'ou_1', text: 'x' });
    (e.event.sender as { sender_type: string }).sender_type = 'app';
    expect(normalizeMessage(flat(e), BOT)).toBeNull();
    const file = larkEvent.message({ chatId: 'oc_1', senderOpenId: 'ou_1', rawContent: '{"file_key":"f"}' });
    (file.event.message as { message_type: string }).message_type = 'file';
    expect(normalizeMessage(flat(file), BOT)).toMatchObject({ text: '', images: [] });
  });

  it('refuses events missing what it needs, with a reason', () => {
    const base = () => flat(larkEvent.message({ chatId: 'oc_1', senderOpenId: 'ou_1', text: 'x' }));
    const cases: [string, (e: any) => void][] = [
      ['message', (e) => delete e.message],
      ['chat_id', (e) => delete e.message.chat_id],
      ['open_id', (e) => delete e.sender.sender_id.open_id],
      ['not a JSON object', (e) => (e.message.content = '{oops')],
      ['content is missing', (e) => delete e.message.content],
    ];
    for (const [reason, spoil] of cases) {
      const e = base();
      spoil(e);
      expect(() => normalizeMessage(e, BOT), reason).toThrow(LarkEventError);
      expect(() => normalizeMessage(e, BOT), reason).toThrow(new RegExp(reason));
    }
  });
});

describe('normalizeCardAction', () => {
  const click = (o: { value?: Record<string, unknown> | string; formValue?: Record<string, unknown> }) =>
    flattenEnvelope(
      larkEvent.cardAction({
        operatorOpenId: 'ou_sample_cgw1',
        messageId: 'om_card',
        chatId: 'oc_sample_cgw',
        value: o.value as Record<string, unknown>,
        formValue: o.formValue,
        eventId: 'ev-card',
      }) as never,
    );

  it('turns a button value into the command', () => {
    expect(normalizeCardAction(click({ value: { cmd: '报到 JJ-20261123-0001 cgw' } }))).toEqual({
      platform: 'lark',
      eventId: 'ev-card',
      chatId: 'oc_sample_cgw',
      messageId: 'om_card',
      sender: { userId: 'ou_sample_cgw1' },
      text: '',
      mentionsBot: false,
      images: [],
      action: { command: '报到 JJ-20261123-0001 cgw' },
      p2p: false,
    });
  });

  it('fills a form template with the submitted values (strings, lists, the empty choice)', () => {
    const inbound = normalizeCardAction(
      click({
        value: { cmd: '呼叫 0001 {tier} {lead} {co}', tpl: '呼叫 0001 {tier} {lead} {co}' },
        formValue: { tier: '一般', lead: 'cgw', co: NONE_VALUE },
      }),
    );
    expect(inbound?.action).toEqual({
      command: '呼叫 0001 一般 cgw',
      template: '呼叫 0001 {tier} {lead} {co}',
      form: { tier: '一般', lead: 'cgw', co: '' },
    });
    const multi = normalizeCardAction(
      click({ value: { cmd: '协办 0001', tpl: '协办 0001 {units}' }, formValue: { units: ['zjj', 'swj'] } }),
    );
    expect(multi?.action?.command).toBe('协办 0001 zjj swj');
  });

  it('reads a value that arrives as a JSON string, and ignores cards without our command', () => {
    expect(normalizeCardAction(click({ value: JSON.stringify({ cmd: '结案 0001' }) }))?.action?.command).toBe(
      '结案 0001',
    );
    expect(normalizeCardAction(click({ value: { other: 1 } }))).toBeNull();
    expect(normalizeCardAction(click({ value: 'not json' }))).toBeNull();
  });

  it('refuses an action without operator or chat', () => {
    const e: any = click({ value: { cmd: 'x' } });
    delete e.context.open_chat_id;
    expect(() => normalizeCardAction(e)).toThrow(/open_chat_id/);
    const f: any = click({ value: { cmd: 'x' } });
    delete f.operator.open_id;
    expect(() => normalizeCardAction(f)).toThrow(/open_id/);
  });
});
