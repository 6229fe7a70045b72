// What the send worker needs from a chat platform; the entry point hands these in, so the
// job layer never imports an adapter.
import type { Message } from '../handlers/messages.ts';

export interface OutgoingMessage {
  chatId: string;
  message: Message;
  /** the platform message this answers (reply in thread where the platform can) */
  replyTo: string | null;
  /** only this platform user should see it, where the platform can hide it from the others */
  privateTo?: string | null;
  /** the same for every retry of one outbox row: the platform deduplicates on it */
  idempotencyKey: string;
  /** the people to @-mention, with their ids on this platform */
  mentions: { personId: string; name: string; platformUserId: string | null }[];
}

export interface PlatformSender {
  readonly platform: string;
  /** false while the platform cannot send (e.g. WeChat logged out): rows wait in the outbox */
  ready(): boolean;
  send(out: OutgoingMessage): Promise<{ messageId: string }>;
  /** updates a sent card in place, where the platform can */
  update?(platformMessageId: string, message: Message): Promise<void>;
}

/** A platform's refusal or failure, classified for the retry policy. */
export class SendError extends Error {
  constructor(
    readonly kind: 'retry' | 'rate_limited' | 'permanent',
    message: string,
    readonly details: { platform: string; code?: number | string; status?: number; retryAfterMs?: number } = {
      platform: 'unknown',
    },
  ) {
    super(message);
    this.name = 'SendError';
  }
}

/** A failed call to a platform's API: which one, and what was being sent (never the whole message), for the log. */
export class PlatformSendError extends SendError {
  constructor(
    kind: SendError['kind'],
    message: string,
    details: SendError['details'],
    /** the API method or route that failed, e.g. im.v1.message.create, webhook/send */
    readonly method: string,
    /** what was being sent, in short */
    readonly payload: string,
  ) {
    super(kind, message, details);
    this.name = 'PlatformSendError';
  }
}
