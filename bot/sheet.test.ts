// The printable call sheet: the call's fields, assignments, timeline and signature boxes on
// one A4 page; everything escaped; the admin token as Bearer or ?token=.
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { getDocument } from 'pdfjs-dist/legacy/build/pdf.mjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserTitle, launchChromium, skipBrowser } from '../test/browser.ts';
import { type World, world } from '../test/world.ts';
import { renderSheet, SHEET_FONT_PATH, SHEET_TIMELINE_LIMIT, sheetRoutes } from './sheet.ts';

const TOKEN = 'office-admin-token-0123456789';
let w: World;
let app: ReturnType<typeof sheetRoutes>;
let no: string;

beforeAll(async () => {
  w = await world();
  const out = await w.say(
    w.actors.resident,
    '@呼应 晨辉路12号路灯不亮 <script>alert("x")</script> 联系13812345678',
  );
  no = (out as { callNo: string }).callNo;
  expect((await w.say(w.actors.liang, `呼叫 ${no}`)).ok).toBe(true);
  expect((await w.say(w.actors.cgw, `报到 ${no}`)).ok).toBe(true);
  expect((await w.say(w.actors.cgw, `办结 ${no} 已更换灯泡 <b>好</b>`)).ok).toBe(true);
  app = sheetRoutes(w.ctx, TOKEN);
});
afterAll(async () => w?.close());

const sheet = async (
  path = `/calls/${no}/sheet`,
  headers: Record<string, string> = { Authorization: `Bearer ${TOKEN}` },
) => app.request(path, { headers });

describe('the printable call sheet', () => {
  it('renders the call on an A4 page with every field and the signature boxes', async () => {
    const res = await sheet();
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.headers.get('referrer-policy')).toBe('no-referrer');
    const html = await res.text();
    expect(html).toContain('@page { size: A4; margin: 15mm }');
    expect(html).toContain('<h1>锦江区“街道呼·部门应”呼叫单</h1>');
    for (const label of [
      '编号',
      '反映时间',
      '反映人',
      '所属街道/社区',
      '地点',
      '类别',
      '等级',
      '内容',
      '状态',
    ])
      expect(html).toContain(`<th>${label}</th>`);
    expect(html).toContain(no);
    expect(html).toContain('锦华路街道 / 晨辉社区');
    expect(html).toContain('路灯故障');
    expect(html).toContain('一般问题');
    expect(html).toContain('已办结');
    expect(html).toContain('王阿姨');
    for (const head of ['部门', '牵头/协办', '轮次', '报到时限/时间', '办结时限/时间', '办理结果'])
      expect(html).toContain(head);
    expect(html).toContain('<td>区城管委</td><td>牵头</td><td>第1轮</td>');
    expect(html).toContain('已更换灯泡 &lt;b&gt;好&lt;/b&gt;');
    for (const who of ['街道经办人', '部门承办人', '呼应办审核']) expect(html).toContain(`${who}：`);
    for (const name of ['反映问题', '呼叫', '报到', '办结']) expect(html).toContain(name);
  });

  it('escapes everything people wrote and masks phone numbers', async () => {
    const html = await (await sheet()).text();
    expect(html).not.toContain('<script>');
    expect(html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;');
    expect(html).not.toContain('13812345678');
    expect(html).toContain('138****5678');
  });

  it('keeps to the latest entries of a long timeline, with a note', async () => {
    const call = await w.t.db.selectFrom('calls').select('id').where('no', '=', no).executeTakeFirstOrThrow();
    for (let i = 1; i <= 20; i++)
      await w.t.db
        .insertInto('call_events')
        .values({
          call_id: call.id,
          at: w.clock.now(),
          kind: 'reminded',
          actor_person_id: null,
          actor_label: '系统',
          payload: JSON.stringify({ note: `第${i}次督办` }),
        })
        .execute();
    const html = await (await sheet()).text();
    expect(html).toContain(`此处仅列最近 ${SHEET_TIMELINE_LIMIT} 条`);
    expect(html).toContain('第20次督办');
    expect(html).not.toContain('第5次督办<');
    expect(html.match(/<tr><td>\d{4}-\d\d-\d\d \d\d:\d\d<\/td>/g)).toHaveLength(SHEET_TIMELINE_LIMIT);
  });

  it.skipIf(skipBrowser)(
    browserTitle('prints on one A4 page, even with the longest timeline it shows'),
    async () => {
      const browser = await launchChromium();
      try {
        const page = await browser.newPage();
        await page.setContent(await (await sheet()).text());
        const pdf = Buffer.from(await page.pdf({ preferCSSPageSize: true, printBackground: true })).toString(
          'latin1',
        );
        expect(pdf.match(/\/Type\s*\/Page[^s]/g), 'pages').toHaveLength(1);
        const [, width, height] = /MediaBox\s*\[0 0 ([\d.]+) ([\d.]+)\]/.exec(pdf)!;
        expect([Math.round(Number(width)), Math.round(Number(height))]).toEqual([595, 842]);
      } finally {
        await browser.close();
      }
    },
  );

  it('wants the admin token, also as ?token= from a card link', async () => {
    expect((await sheet(`/calls/${no}/sheet`, {})).status).toBe(401);
    expect((await sheet(`/calls/${no}/sheet?token=${TOKEN}`, {})).status).toBe(200);
    expect((await sheet(`/calls/${no}/sheet?token=nope`, {})).status).toBe(401);
  });

  it('answers 404 for an unknown call', async () => {
    const res = await sheet('/calls/JJ-20990101-0009/sheet');
    expect(res.status).toBe(404);
    expect(await res.text()).toContain('没有找到呼叫单');
  });

  it('renders a call with no assignments yet', async () => {
    const out = await w.say(w.actors.resident, '@呼应 晨辉社区垃圾堆积');
    const { callDetails, findCall } = await import('../handlers/calls.ts');
    const det = await callDetails(w.t.db, (await findCall(w.t.db, (out as { callNo: string }).callNo)).id);
    expect(renderSheet(w.ctx.district, det, w.clock.now())).toContain('尚未派单。');
  });
});

/** The text of each page of a PDF, as a reader's copy-paste would give it. */
async function pdfPages(pdf: Uint8Array): Promise<string[]> {
  const doc = await getDocument({ data: pdf, isEvalSupported: false }).promise;
  const pages: string[] = [];
  for (let i = 1; i <= doc.numPages; i++) {
    const content = await (await doc.getPage(i)).getTextContent();
    pages.push(
      content.items
        .map((item) => ('str' in item ? item.str : ''))
        .join('')
        .normalize('NFKC'),
    );
  }
  await doc.destroy();
  return pages;
}

describe('the call sheet printed from the browser', () => {
  // About 1,600 characters: too long for the rest of the first page, short of a page itself.
  // ASCII markers: the font maps a few ideographs to radicals (门 → ⻔) in the PDF's text layer
  const START = 'DESCRIPTION-STARTS-HERE 晨辉路12号至18号路段路灯自上月起陆续熄灭';
  const END = 'DESCRIPTION-ENDS-HERE';
  const LONG = `${START}。${Array.from(
    { length: 60 },
    (_, i) => `第${i + 1}处情况：夜间路面漆黑，老人孩子出行不便，多次反映未解决。`,
  ).join('')}${END}。`;
  let url: string;
  let server: ReturnType<typeof serve>;
  let longNo: string;

  beforeAll(async () => {
    const out = await w.say(w.actors.resident, `@呼应 ${LONG}`);
    longNo = (out as { callNo: string }).callNo;
    server = await new Promise((resolve, reject) => {
      const s = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s));
      s.once('error', reject);
    });
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(
    () =>
      new Promise<void>((resolve) => {
        if (!server) return resolve();
        server.close(() => resolve());
        (server as unknown as { closeAllConnections?: () => void }).closeAllConnections?.();
      }),
  );

  it('serves the bundled CJK font without the token, as a font', async () => {
    const res = await fetch(`${url}${SHEET_FONT_PATH}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('font/otf');
    const head = Buffer.from(await res.arrayBuffer());
    expect(head.subarray(0, 4).toString('latin1')).toBe('OTTO'); // an OpenType (CFF) font
    expect(head.length).toBeGreaterThan(1_000_000);
  });

  it.skipIf(skipBrowser)(
    browserTitle('continues a long description on the first page, in the bundled font, on two A4 pages'),
    async () => {
      const browser = await launchChromium();
      try {
        const page = await browser.newPage();
        const fonts: string[] = [];
        page.on('response', (r) => {
          if (r.url().endsWith('.otf')) fonts.push(`${r.status()} ${new URL(r.url()).pathname}`);
        });
        const res = await page.goto(`${url}/calls/${longNo}/sheet?token=${TOKEN}`);
        expect(res?.status()).toBe(200);
        await page.evaluate('document.fonts.ready.then(() => true)');
        // this machine has no Chinese font of its own: the page fetched the bundled one
        expect(fonts).toEqual([`200 ${SHEET_FONT_PATH}`]);
        const pdf = await page.pdf({ preferCSSPageSize: true, printBackground: true });
        const raw = Buffer.from(pdf).toString('latin1');
        expect(raw, 'the bundled font is embedded').toMatch(/\/FontName\s*\/[A-Z]{6}\+NotoSansHans-Regular/);
        const pages = await pdfPages(new Uint8Array(pdf));
        expect(pages, 'pages').toHaveLength(2);
        const [first, second] = pages;
        expect(first).toContain(longNo);
        expect(first).toContain('内容');
        expect(first, 'the description starts on the first page').toContain('DESCRIPTION-STARTS-HERE');
        expect(first).not.toContain(END);
        expect(second, 'and goes on on the second').toContain(END);
        for (const after of ['承办情况', '办理记录', '街道经办人'])
          expect(second, `${after} follows it`).toContain(after);
      } finally {
        await browser.close();
      }
    },
  );
});
