// Pictures on Lark cards: the monthly bulletin's chart is uploaded through the real SDK to the
// fake Open API and the card shows it by its image key; a failed upload fails the send (to be
// retried) and posts nothing; a ref that names no picture sends the card without it.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../config/log.ts';
import { generatedImages, type ImageSource } from '../../handlers/images.ts';
import type { Message } from '../../handlers/messages.ts';
import { publishMonthlyBulletin } from '../../handlers/reports/bulletin.ts';
import type { OutgoingMessage } from '../../jobs/platform.ts';
import { type LarkHarness, larkHarness } from '../../test/harness/lark.ts';
import { LarkSender } from './sender.ts';

const imgElements = (card: any) => (card?.body?.elements ?? []).filter((e: any) => e.tag === 'img');

describe('the bulletin chart on Lark', () => {
  let h: LarkHarness;
  beforeAll(async () => {
    h = await larkHarness();
  });
  afterAll(async () => h?.close());

  it('uploads the chart once and shows it on the card in the office and leaders chats', async () => {
    await publishMonthlyBulletin(h.ctx, '2026-11');
    expect(await h.deliver()).toBe(2);
    const png = (await generatedImages(h.ctx)('chart:bulletin:2026-11'))!;
    expect(png.bytes.subarray(1, 4).toString('latin1')).toBe('PNG');
    // one upload for both chats: the same picture is not uploaded twice
    expect(h.fake.images).toHaveLength(1);
    expect(h.fake.images[0].bytes).toBe(png.bytes.length);
    for (const chat of ['oc_sample_office', 'oc_sample_leaders']) {
      const [sent] = h.cardsIn(chat);
      expect(JSON.stringify(sent.card.header)).toContain('2026年11月');
      expect(imgElements(sent.card)).toEqual([
        {
          tag: 'img',
          img_key: h.fake.images[0].image_key,
          alt: { tag: 'plain_text', content: '2026年11月部门过程评议平均分' },
        },
      ]);
    }
    // published again (a retried job): nothing new is queued, posted or uploaded
    await publishMonthlyBulletin(h.ctx, '2026-11');
    expect(await h.deliver()).toBe(0);
    expect(h.fake.images).toHaveLength(1);
  });
});

describe('a resident’s photo on Lark', () => {
  let h: LarkHarness;
  beforeAll(async () => {
    h = await larkHarness();
  });
  afterAll(async () => h?.close());

  const reportWithPhoto = (messageId: string, key: string, text: string) =>
    h.say({
      chatId: 'oc_sample_chenhui',
      senderOpenId: 'ou_resident_photo',
      messageId,
      post: {
        content: [
          [
            { tag: 'at', user_id: '@_user_1', user_name: '呼应' },
            { tag: 'text', text: ` ${text}` },
          ],
          [{ tag: 'img', image_key: key }],
        ],
      },
    });

  it('is fetched from the report and shown on the street’s triage card', async () => {
    const photo = randomBytes(5000);
    h.fake.addResource('om_report_photo', 'img_v3_resident', photo);
    expect((await reportWithPhoto('om_report_photo', 'img_v3_resident', '晨辉路12号路灯不亮了')).status).toBe(
      200,
    );
    await h.deliver();
    const [triage] = h.cardsIn('oc_sample_jinhualu');
    expect(JSON.stringify(triage.card)).toContain('现场图片');
    const uploaded = h.fake.images.at(-1)!;
    expect(uploaded.bytes).toBe(photo.length);
    expect(imgElements(triage.card)).toEqual([
      { tag: 'img', img_key: uploaded.image_key, alt: { tag: 'plain_text', content: '现场图片' } },
    ]);
  });

  it('that Lark no longer hands out leaves the card without it', async () => {
    const uploads = h.fake.images.length;
    await reportWithPhoto('om_report_gone', 'img_v3_withdrawn', '晨辉路8号路面坑洼');
    await h.deliver();
    const triage = h.cardsIn('oc_sample_jinhualu').at(-1)!;
    expect(JSON.stringify(triage.card)).toContain('晨辉路8号路面坑洼');
    expect(imgElements(triage.card)).toEqual([]);
    expect(h.fake.images).toHaveLength(uploads);
  });
});

describe('LarkSender with pictures', () => {
  let h: LarkHarness;
  beforeAll(async () => {
    h = await larkHarness();
  });
  afterAll(async () => h?.close());

  const chart = randomBytes(4096);
  const source: ImageSource = async (ref) =>
    ref === 'chart:test' ? { bytes: chart, filename: 'huying-test.png', mime: 'image/png' } : null;
  const message: Message = {
    kind: 'notice',
    title: '图表',
    tone: 'info',
    text: '见下图',
    images: [
      { ref: 'chart:test', alt: '测试图' },
      { ref: 'chart:unknown', alt: '画不出的图' },
    ],
  };
  const out = (key: string): OutgoingMessage => ({
    chatId: 'oc_sample_office',
    message,
    replyTo: null,
    idempotencyKey: key,
    mentions: [],
  });

  it('a failed upload fails the send as retryable and posts nothing; the retry posts once', async () => {
    const sender = new LarkSender(h.api, silentLogger, source);
    h.fake.failNext(1, 'server_error');
    await expect(sender.send(out('pic-1'))).rejects.toMatchObject({
      kind: 'retry',
      method: 'im.v1.image.create',
    });
    expect(h.cardsIn('oc_sample_office')).toEqual([]);
    const { messageId } = await sender.send(out('pic-1'));
    const sent = h.cardsIn('oc_sample_office');
    expect(sent.map((s) => s.message_id)).toEqual([messageId]);
    // the picture it could draw, by the key Lark gave; the one it could not, left out
    expect(imgElements(sent[0].card)).toEqual([
      { tag: 'img', img_key: h.fake.images.at(-1)!.image_key, alt: { tag: 'plain_text', content: '测试图' } },
    ]);
    expect(h.fake.images.at(-1)!.bytes).toBe(chart.length);
    // an update of the card keeps its picture, without uploading it again
    const uploads = h.fake.images.length;
    await sender.update(messageId, { ...message, note: '已更新' });
    expect(imgElements(h.fake.patched.at(-1)!.content)).toHaveLength(1);
    expect(h.fake.images).toHaveLength(uploads);
  });

  it('a picture Lark refuses for good is left out; the card still goes', async () => {
    const sender = new LarkSender(h.api, silentLogger, source);
    const uploads = h.fake.images.length;
    h.fake.failNext(1, 'bad_request');
    const { messageId } = await sender.send(out('pic-4'));
    const sent = h.cardsIn('oc_sample_office').at(-1)!;
    expect(sent.message_id).toBe(messageId);
    expect(sent.card.header.title.content).toBe('图表');
    expect(imgElements(sent.card)).toEqual([]);
    expect(h.fake.images).toHaveLength(uploads);
  });

  it('a sender with no picture source sends the card without the pictures', async () => {
    const sender = new LarkSender(h.api, silentLogger);
    const uploads = h.fake.images.length;
    await sender.send(out('pic-2'));
    expect(imgElements(h.cardsIn('oc_sample_office').at(-1)!.card)).toEqual([]);
    expect(h.fake.images).toHaveLength(uploads);
  });

  it('the fake refuses a card whose image key was never uploaded, as Lark does', async () => {
    const sender = new LarkSender(h.api, silentLogger);
    const bad = { ...message, images: [{ ref: 'img_v3_never_uploaded', alt: '无' }] };
    await expect(sender.send({ ...out('pic-3'), message: bad })).rejects.toMatchObject({
      kind: 'permanent',
      details: { code: 230099 },
    });
  });
});
