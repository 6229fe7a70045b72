// For tests of Open311 and webhooks: a strict reader for the XML subset Open311 uses (it
// refuses anything not well-formed), the Spark mapping back to plain values, and the
// sample district with Open311 clients and webhook subscribers added.
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { parse as parseYaml } from 'yaml';
import { LIST_ITEMS } from '../../bot/open311/xml.ts';
import { type District, defaultDistrictPath, parseDistrict } from '../../config/district.ts';
import { verifyHuyingSignature } from '../../jobs/webhook-delivery.ts';

export interface XmlNode {
  name: string;
  children: XmlNode[];
  text: string;
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

/** Parses a document of elements and text only (no attributes, comments or CDATA). */
export function parseXml(doc: string): XmlNode {
  const decl = /^<\?xml version="1\.0" encoding="utf-8"\?>/i.exec(doc);
  if (!decl) throw new Error('no XML declaration with encoding utf-8');
  let i = decl[0].length;
  const skipSpace = () => {
    while (i < doc.length && /\s/.test(doc[i])) i++;
  };
  const text = (raw: string) =>
    raw.replace(/&(?:([a-z]+)|#(\d+));|&/g, (m, name, code) => {
      if (code) return String.fromCodePoint(Number(code));
      if (!name || !(name in ENTITIES)) throw new Error(`bad entity at ${i}: ${m}`);
      return ENTITIES[name];
    });
  const element = (): XmlNode => {
    const open = /^<([A-Za-z_][A-Za-z0-9_.-]*)\s*(\/?)>/.exec(doc.slice(i));
    if (!open) throw new Error(`expected an element at ${i}: ${doc.slice(i, i + 20)}`);
    i += open[0].length;
    const node: XmlNode = { name: open[1], children: [], text: '' };
    if (open[2]) return node;
    for (;;) {
      const lt = doc.indexOf('<', i);
      if (lt === -1) throw new Error(`unclosed <${node.name}>`);
      const chunk = doc.slice(i, lt);
      if (/[<>]/.test(chunk)) throw new Error('stray < or >');
      node.text += text(chunk);
      i = lt;
      if (doc.startsWith('</', i)) {
        const close = /^<\/([A-Za-z_][A-Za-z0-9_.-]*)\s*>/.exec(doc.slice(i));
        if (!close || close[1] !== node.name) throw new Error(`mismatched close of <${node.name}> at ${i}`);
        i += close[0].length;
        if (node.children.length && node.text.trim()) throw new Error(`mixed content in <${node.name}>`);
        if (node.children.length) node.text = '';
        return node;
      }
      node.children.push(element());
    }
  };
  skipSpace();
  const root = element();
  skipSpace();
  if (i !== doc.length) throw new Error('content after the root element');
  return root;
}

/** Back to plain values by the Spark convention: list wrappers → arrays, leaves → strings. */
export function toPlain(node: XmlNode): unknown {
  if (LIST_ITEMS[node.name]) return node.children.map(toPlain);
  if (!node.children.length) return node.text;
  return Object.fromEntries(node.children.map((c) => [c.name, toPlain(c)]));
}

/** JSON values as XML carries them: null → '', numbers and booleans → their text. */
export function asXmlText(v: unknown): unknown {
  if (v === null || v === undefined) return '';
  if (Array.isArray(v)) return v.map(asXmlText);
  if (typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, asXmlText(x)]));
  return String(v);
}

export const TEST_API_KEY = 'dlw-test-api-key-0123456789';
export const TEST_WEBHOOK_SECRET = 'dlw-webhook-secret-0123456789';

/** The sample district plus an Open311 client "dlw" (大联动·微治理) and, given a url, its webhook. */
export function districtWith(
  opts: { webhookUrl?: string; giveUpAfter?: string; events?: string[] } = {},
): District {
  const doc = parseYaml(readFileSync(defaultDistrictPath, 'utf8')) as Record<string, unknown>;
  return parseDistrict(
    {
      ...doc,
      open311: { clients: [{ name: 'dlw', api_key: TEST_API_KEY }] },
      webhooks: opts.webhookUrl
        ? [
            {
              name: 'dlw',
              url: opts.webhookUrl,
              secret: TEST_WEBHOOK_SECRET,
              events: opts.events ?? ['*'],
              give_up_after: opts.giveUpAfter ?? '2h',
            },
          ]
        : [],
    },
    'test district',
  );
}

export interface Delivery {
  event: string | undefined;
  delivery: string | undefined;
  timestamp: string | undefined;
  signature: string | undefined;
  raw: string;
  body: any;
  verified: boolean;
  status: number;
}

export interface FakeSubscriber {
  url: string;
  received: Delivery[];
  /** the statuses of the next answers, in order (then 200 again) */
  answer(...statuses: number[]): void;
  close(): Promise<void>;
}

/** A webhook subscriber on a random port that checks every signature (401 when it fails). */
export async function startSubscriber(secret = TEST_WEBHOOK_SECRET): Promise<FakeSubscriber> {
  const received: Delivery[] = [];
  const queue: number[] = [];
  const app = new Hono();
  app.post('/hook', async (c) => {
    const raw = await c.req.text();
    const timestamp = c.req.header('x-huying-timestamp');
    const signature = c.req.header('x-huying-signature');
    const verified = verifyHuyingSignature(secret, timestamp, raw, signature);
    const status = verified ? (queue.shift() ?? 200) : 401;
    let body: unknown = null;
    try {
      body = JSON.parse(raw);
    } catch {}
    received.push({
      event: c.req.header('x-huying-event'),
      delivery: c.req.header('x-huying-delivery'),
      timestamp,
      signature,
      raw,
      body,
      verified,
      status,
    });
    return c.text(status === 200 ? 'ok' : 'nope', status as 200);
  });
  const server = await new Promise<ReturnType<typeof serve>>((resolve, reject) => {
    const s = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s));
    s.once('error', reject);
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    received,
    answer: (...statuses) => queue.push(...statuses),
    close: () =>
      new Promise<void>((r) => {
        server.close(() => r());
        (server as unknown as { closeIdleConnections?: () => void }).closeIdleConnections?.();
      }),
  };
}

export const FORMATS = ['xml', 'json'] as const;
export type Fmt = (typeof FORMATS)[number];
export const CONTENT_TYPES: Record<Fmt, string> = {
  xml: 'text/xml; charset=utf-8',
  json: 'application/json; charset=utf-8',
};

/** An Open311 client of an in-process app mounted at /open311/v2. */
export function open311Client(app: Hono) {
  return {
    get: (path: string) => app.request(`/open311/v2/${path}`),
    post: (fmt: Fmt, body: string, type = 'application/x-www-form-urlencoded; charset=utf-8') =>
      app.request(`/open311/v2/requests.${fmt}`, { method: 'POST', body, headers: { 'Content-Type': type } }),
    /** the body as plain values: XML mapped back by the Spark convention (all text), JSON as is */
    async read(res: Response, fmt: Fmt): Promise<{ contentType: string | null; body: any }> {
      const text = await res.text();
      return {
        contentType: res.headers.get('content-type'),
        body: fmt === 'xml' ? toPlain(parseXml(text)) : JSON.parse(text),
      };
    },
  };
}

export const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();

/** A complete, valid POST of a street light out in 晨辉社区. */
export const lightReport = (extra: Record<string, string> = {}): Record<string, string> => ({
  api_key: TEST_API_KEY,
  service_code: 'street_light',
  address_string: '晨辉路12号',
  lat: '30.6521',
  long: '104.0912',
  description: '晨辉路12号路灯不亮，晚上很黑',
  first_name: '小明',
  last_name: '王',
  phone: '13812345678',
  media_url: 'https://img.example.com/light.jpg',
  'attribute[street]': 'jinhualu',
  'attribute[community]': 'chenhui',
  ...extra,
});
