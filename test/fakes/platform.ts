// A fake chat platform for job tests: records sends, fails on demand, can be "logged out",
// and deduplicates on the idempotency key the way Lark does on `uuid`.
import type { Message } from '../../handlers/messages.ts';
import { type OutgoingMessage, type PlatformSender, SendError } from '../../jobs/platform.ts';

export class FakePlatform implements PlatformSender {
  sent: (OutgoingMessage & { id: string })[] = [];
  updates: { id: string; message: Message }[] = [];
  online = true;
  private failures: SendError['kind'][] = [];
  private byKey = new Map<string, string>();
  /** throw after the platform accepted the message, as a worker killed mid-send would */
  crashAfterAccept = 0;

  constructor(readonly platform = 'lark') {}

  failNext(n: number, kind: SendError['kind']) {
    for (let i = 0; i < n; i++) this.failures.push(kind);
  }

  ready() {
    return this.online;
  }

  async send(out: OutgoingMessage) {
    const kind = this.failures.shift();
    if (kind)
      throw new SendError(kind, `fake ${kind}`, {
        platform: this.platform,
        code: kind === 'rate_limited' ? 230020 : kind === 'permanent' ? 230001 : 500,
        retryAfterMs: kind === 'rate_limited' ? 20 : undefined,
      });
    let id = this.byKey.get(out.idempotencyKey);
    if (!id) {
      id = `fake_${this.sent.length + 1}`;
      this.byKey.set(out.idempotencyKey, id);
      this.sent.push({ ...out, id });
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
