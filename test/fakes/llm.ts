// A local stand-in for a district's own language model: an OpenAI-compatible chat completions
// endpoint on 127.0.0.1 that answers as a test tells it to, and records what it was asked.
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeAnswer {
  /** the HTTP status (200 when unset) */
  status?: number;
  /** the message content the model "says" (ignored for a raw body) */
  content?: string;
  /** a whole body other than a completion */
  raw?: string;
  /** wait this long before answering (ms) */
  delayMs?: number;
}

export interface FakeLlm {
  /** base address, as HUYING_LLM_URL takes it */
  url: string;
  /** what was asked, in order: the request bodies and authorization headers */
  requests: { body: { model: string; messages: { role: string; content: string }[] }; auth?: string }[];
  answer: (userText: string) => FakeAnswer;
  close(): Promise<void>;
}

async function bodyOf(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export async function fakeLlm(answer: FakeLlm['answer']): Promise<FakeLlm> {
  const timers = new Set<NodeJS.Timeout>();
  const fake: FakeLlm = {
    url: '',
    requests: [],
    answer,
    close: async () => {
      for (const t of timers) clearTimeout(t);
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
  const server = createServer(async (req, res) => {
    if (req.method !== 'POST' || req.url !== '/v1/chat/completions') {
      res.writeHead(404).end();
      return;
    }
    const body = JSON.parse(await bodyOf(req));
    fake.requests.push({ body, auth: req.headers.authorization });
    const user = body.messages.find((m: { role: string }) => m.role === 'user')?.content ?? '';
    const a = fake.answer(user);
    const send = () => {
      const payload =
        a.raw ??
        JSON.stringify({
          id: 'chatcmpl-fake',
          object: 'chat.completion',
          model: body.model,
          choices: [
            { index: 0, finish_reason: 'stop', message: { role: 'assistant', content: a.content ?? '' } },
          ],
        });
      res.writeHead(a.status ?? 200, { 'content-type': 'application/json' }).end(payload);
    };
    if (a.delayMs) {
      const t = setTimeout(() => {
        timers.delete(t);
        send();
      }, a.delayMs);
      timers.add(t);
    } else send();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  fake.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
  return fake;
}
