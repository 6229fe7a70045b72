// A fake chat platform for job tests: records sends, fails on demand, can be "logged out",
// and deduplicates on the idempotency key the way Lark does on `uuid`.
import type { Message } from '../../handlers/messages.ts';
import { type OutgoingMessage, type PlatformSender, SendError } from '../../jobs/platform.ts';

export type FakeFailure = SendError['kind'];

/** Codes a real platform would answer with, so reasons read like production ones. */
const CODES: Record<FakeFailure, number> = { retry: 500, rate_limited: 230020, permanent: 230001 };

export interface FakeSend extends OutgoingMessage {
  id: string;
  /** wall-clock ms when the platform accepted it */
  at: number;
}

export class FakePlatform implements PlatformSender {
  /** accepted messages, each idempotency key once */
  sent: FakeSend[] = [];
  /** every call to send(), duplicates and failures included */
  calls = 0;
  updates: { id: string; message: Message }[] = [];
  online = true;
  /** throw after the platform accepted the message, as a worker killed mid-send would */
  crashAfterAccept = 0;
  /** called for each accepted message (benchmarks time them) */
  onAccept?: (s: FakeSend) => void;
  /** how long each send takes, in ms */
  latencyMs = 0;
  private failures: FakeFailure[] = [];
  private byKey = new Map<string, string>();

  constructor(readonly platform = 'lark') {}

  /** the next n sends fail with this kind */
  failNext(n: number, kind: FakeFailure) {
    for (let i = 0; i < n; i++) this.failures.push(kind);
  }

  ready() {
    return this.online;
  }

  async send(out: OutgoingMessage) {
    this.calls++;
    if (this.latencyMs) await new Promise((r) => setTimeout(r, this.latencyMs));
    const kind = this.failures.shift();
    if (kind)
      throw new SendError(kind, `fake ${kind}`, {
        platform: this.platform,
        code: CODES[kind],
        status: kind === 'permanent' ? 400 : kind === 'rate_limited' ? 429 : 500,
      });
    let id = this.byKey.get(out.idempotencyKey);
    if (!id) {
      id = `fake_${this.sent.length + 1}`;
      this.byKey.set(out.idempotencyKey, id);
      const s = { ...out, id, at: Date.now() };
      this.sent.push(s);
      this.onAccept?.(s);
    }
    if (this.crashAfterAccept > 0) {
      this.crashAfterAccept--;
      throw new Error('worker died after the platform accepted the message');
    }
    return { messageId: id };
  }

  async update(id: string, message: Message) {
    this.updates.push({ id, message });
  }

  titles(chatId?: string) {
    return this.sent.filter((s) => !chatId || s.chatId === chatId).map((s) => s.message.title);
  }
}
