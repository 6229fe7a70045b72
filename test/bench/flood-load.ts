// The flood's load generator, in a process of its own: signed, encrypted Lark report events
// posted to a web process at a steady rate into one community chat, with an emergency at a fixed
// interval. Reads its settings from FLOOD_LOAD (JSON); writes one JSON line per posted event and
// one when it is done.
import { readFileSync } from 'node:fs';
import { loadDistrict } from '../../config/district.ts';
import { createParser } from '../../handlers/intake.ts';
import { larkEvent, larkIds, signedRequest } from '../fakes/lark-events.ts';

export interface LoadSettings {
  url: string;
  chatId: string;
  botOpenId: string;
  encryptKey: string;
  token: string;
  seconds: number;
  ratePerSecond: number;
  /** 0: none; else an emergency at every/2, every·1.5, … seconds */
  emergencyEverySeconds: number;
}

export interface Posted {
  i: number;
  messageId: string;
  /** epoch ms when it was posted */
  at: number;
  emergency: boolean;
  status: number;
}

const EMERGENCIES = [
  '晨辉路8号3楼厨房起火了，有浓烟',
  '晨辉路15号楼道里燃气泄漏，闻到很大煤气味',
  '晨辉路22号门口有人触电倒地了',
];

const parse = createParser(loadDistrict());
const settings = JSON.parse(process.env.FLOOD_LOAD ?? '{}') as LoadSettings;
const fixtures = new URL('../fixtures/reports.jsonl', import.meta.url);
const reports = readFileSync(fixtures, 'utf8')
  .split('\n')
  .filter((l) => l.trim())
  .map((l) => JSON.parse(l) as { text: string; emergency: boolean; category: string })
  // reports only: questions and thanks are answered without a call (handlers/heard.ts), and a
  // word or two (好吵) gets a question back
  .filter((r) => !r.emergency && r.category !== 'other' && r.text.length > 4)
  .map((r) => r.text.replace(/^@\S+\s*/, ''))
  // and none the parser takes for an emergency (at a lower alarm threshold a wire snapped by the
  // wind and hanging in mid-air was one): the emergencies counted are the ones posted as such
  .filter((text) => !parse(text).emergency);
const residents = Array.from({ length: 200 }, () => larkIds.openId());
const total = Math.round(settings.seconds * settings.ratePerSecond);
const every = settings.emergencyEverySeconds * settings.ratePerSecond;
const isEmergency = (i: number) => every > 0 && i % every === Math.floor(every / 2);

async function post(i: number): Promise<void> {
  const emergency = isEmergency(i);
  const text = emergency
    ? EMERGENCIES[Math.floor(i / every) % EMERGENCIES.length]
    : reports[i % reports.length];
  const messageId = larkIds.messageId();
  const event = larkEvent.message({
    chatId: settings.chatId,
    senderOpenId: residents[i % residents.length],
    text: `@_user_1 ${text}`,
    mentions: [{ openId: settings.botOpenId, name: '呼应' }],
    token: settings.token,
    messageId,
  });
  const { body, headers } = signedRequest(event, { encryptKey: settings.encryptKey, encrypt: true });
  const at = Date.now();
  const status = await fetch(`${settings.url}/webhooks/lark`, { method: 'POST', body, headers })
    .then(async (r) => {
      await r.arrayBuffer();
      return r.status;
    })
    .catch(() => 0);
  const posted: Posted = { i, messageId, at, emergency, status };
  process.stdout.write(`${JSON.stringify({ posted })}\n`);
}

const start = Date.now();
const inFlight: Promise<void>[] = [];
for (let i = 0; i < total; i++) {
  const due = start + (i * 1000) / settings.ratePerSecond;
  const wait = due - Date.now();
  if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  inFlight.push(post(i));
}
await Promise.all(inFlight);
process.stdout.write(`${JSON.stringify({ done: { posted: total, start, end: Date.now() } })}\n`);
