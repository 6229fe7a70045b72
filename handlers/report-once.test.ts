// A chat message makes one call, however many times it is worked: an event worked again after a
// crash (its call written, the process killed before the event was marked done) gives back the
// call it made, writes no second one and sends nothing again.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type World, world } from '../test/world.ts';
import { execute } from './execute.ts';

let w: World;
beforeAll(async () => {
  w = await world();
});
afterAll(async () => w?.close());

const sayAs = (messageId: string, text: string, chatId = 'oc_sample_chenhui') =>
  execute(
    w.ctx,
    { actor: w.actors.resident, origin: { platform: 'lark', chatId, messageId }, chatUnit: 'chenhui' },
    { type: 'report', text },
  );

describe('a report worked twice', () => {
  it('gives back the call it made, and writes and sends nothing more', async () => {
    const first = await sayAs('om_once_1', '晨辉路88号路灯不亮了');
    expect(first).toMatchObject({ ok: true });
    const no = (first as { callNo: string }).callNo;
    const calls = async () =>
      w.t.db.selectFrom('calls').select('no').where('source_message_id', '=', 'om_once_1').execute();
    const outbox = async () => (await w.t.db.selectFrom('outbox').select('id').execute()).length;
    const sent = await outbox();

    const again = await sayAs('om_once_1', '晨辉路88号路灯不亮了');
    expect(again).toMatchObject({ ok: true, callNo: no });
    expect(await calls()).toEqual([{ no }]);
    expect(await outbox()).toBe(sent);
    expect(await w.events(no)).toEqual(['reported']);

    // the same message id in another chat, and another message, are other reports
    const elsewhere = await sayAs('om_once_1', '晨辉路88号路灯不亮了', 'oc_sample_jinhualu');
    expect((elsewhere as { callNo: string }).callNo).not.toBe(no);
    const other = await sayAs('om_once_2', '晨辉路90号路灯也不亮了');
    expect((other as { callNo: string }).callNo).not.toBe(no);
  });
});
