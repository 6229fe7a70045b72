// Builds the requests Lark would POST to our webhook (events, card callbacks, URL checks), signed.
import { randomBytes } from 'node:crypto';
import { encryptLarkEvent, signLarkRequest } from '../../bot/lark/crypto.ts';

const hex = (bytes: number) => randomBytes(bytes).toString('hex');

// Lark's ids look like these; random by default so that tests exercising dedupe must opt in to
// a repeated id explicitly.
export const larkIds = {
  eventId: () => hex(16),
  messageId: () => `om_${hex(16)}`,
  chatId: () => `oc_${hex(16)}`,
  openId: () => `ou_${hex(16)}`,
  unionId: () => `on_${hex(16)}`,
  userId: () => hex(4),
  appId: () => `cli_${hex(8)}`,
  tenantKey: () => hex(8),
  cardToken: () => `c-${hex(20)}`,
};

export interface EnvelopeOpts {
  eventId?: string;
  /** Epoch milliseconds (Lark sends it as a string). */
  createTime?: number;
  /** The app's verification token, echoed in every event header. */
  token?: string;
  appId?: string;
  tenantKey?: string;
}

export interface LarkHeader {
  event_id: string;
  event_type: string;
  create_time: string;
  token: string;
  app_id: string;
  tenant_key: string;
}

export interface LarkEnvelope<E> {
  schema: '2.0';
  header: LarkHeader;
  event: E;
}

export interface MentionInput {
  openId: string;
  name?: string;
  /** Placeholder in the text; defaults to `@_user_<position>`. */
  key?: string;
  unionId?: string;
  userId?: string;
}

export interface LarkMention {
  key: string;
  id: { open_id: string; union_id: string; user_id: string };
  name: string;
  tenant_key: string;
}

export type PostNode = { tag: string; [k: string]: unknown };

export interface MessageOpts extends EnvelopeOpts {
  chatId: string;
  senderOpenId: string;
  senderUnionId?: string;
  senderUserId?: string;
  chatType?: 'group' | 'p2p';
  /** Plain text with `@_user_N` placeholders; makes a text message unless `messageType` says otherwise. */
  text?: string;
  /** A post as Lark delivers it in events: title and lines of nodes, with no locale wrapper. */
  post?: { title?: string; content: PostNode[][] };
  imageKey?: string;
  messageType?: 'text' | 'post' | 'image';
  /** Overrides the JSON content string entirely (for malformed-content tests). */
  rawContent?: string;
  mentions?: MentionInput[];
  messageId?: string;
  rootId?: string;
  parentId?: string;
  threadId?: string;
}

export interface MessageEvent {
  sender: {
    sender_id: { union_id: string; user_id: string; open_id: string };
    sender_type: 'user';
    tenant_key: string;
  };
  message: {
    message_id: string;
    root_id?: string;
    parent_id?: string;
    thread_id?: string;
    create_time: string;
    update_time: string;
    chat_id: string;
    chat_type: 'group' | 'p2p';
    message_type: 'text' | 'post' | 'image';
    content: string;
    mentions?: LarkMention[];
    user_agent: string;
  };
}

export interface CardActionOpts extends EnvelopeOpts {
  operatorOpenId: string;
  /** The button's callback value, as put in the card JSON. */
  value?: Record<string, unknown>;
  /** Form fields by `name`; Lark sends select values as strings. */
  formValue?: Record<string, unknown>;
  /** The message the card is in; use the message_id the fake Open API returned for the card. */
  messageId: string;
  chatId: string;
  tag?: string;
  /** Name of the component that fired (the submit button of a form). */
  name?: string;
  /** Chosen option, for select_static and overflow. */
  option?: string;
  /** Token for a delayed card update. */
  cardToken?: string;
  operatorUnionId?: string;
  operatorUserId?: string;
}

export interface CardActionEvent {
  operator: { tenant_key: string; user_id: string; open_id: string; union_id: string };
  token: string;
  action: {
    value: Record<string, unknown>;
    tag: string;
    timezone: string;
    form_value?: Record<string, unknown>;
    name?: string;
    option?: string;
  };
  host: 'im_message';
  context: { open_message_id: string; open_chat_id: string };
}

export interface UrlVerification {
  challenge: string;
  token: string;
  type: 'url_verification';
}

const DEFAULT_TOKEN = 'v_test_verification_token';

function header(eventType: string, o: EnvelopeOpts, tenantKey: string): LarkHeader {
  return {
    event_id: o.eventId ?? larkIds.eventId(),
    event_type: eventType,
    create_time: String(o.createTime ?? Date.now()),
    token: o.token ?? DEFAULT_TOKEN,
    app_id: o.appId ?? 'cli_a0000000000000aa',
    tenant_key: tenantKey,
  };
}

function messageContent(o: MessageOpts): { type: 'text' | 'post' | 'image'; content: string } {
  const type = o.messageType ?? (o.post ? 'post' : o.imageKey ? 'image' : 'text');
  if (o.rawContent !== undefined) return { type, content: o.rawContent };
  switch (type) {
    case 'post':
      return {
        type,
        content: JSON.stringify({
          title: o.post?.title ?? '',
          content: o.post?.content ?? [[{ tag: 'text', text: o.text ?? '' }]],
        }),
      };
    case 'image':
      return { type, content: JSON.stringify({ image_key: o.imageKey ?? `img_v3_${hex(12)}` }) };
    default:
      return { type, content: JSON.stringify({ text: o.text ?? '' }) };
  }
}

export const larkEvent = {
  /** im.message.receive_v1: a user's message in a chat the bot is in. */
  message(o: MessageOpts): LarkEnvelope<MessageEvent> {
    const tenantKey = o.tenantKey ?? 'tenant_test';
    const createTime = String(o.createTime ?? Date.now());
    const { type, content } = messageContent(o);
    const mentions = o.mentions?.map(
      (m, i): LarkMention => ({
        key: m.key ?? `@_user_${i + 1}`,
        id: { open_id: m.openId, union_id: m.unionId ?? '', user_id: m.userId ?? '' },
        name: m.name ?? '',
        tenant_key: tenantKey,
      }),
    );
    return {
      schema: '2.0',
      header: header('im.message.receive_v1', { ...o, createTime: Number(createTime) }, tenantKey),
      event: {
        sender: {
          sender_id: {
            union_id: o.senderUnionId ?? '',
            user_id: o.senderUserId ?? '',
            open_id: o.senderOpenId,
          },
          sender_type: 'user',
          tenant_key: tenantKey,
        },
        message: {
          message_id: o.messageId ?? larkIds.messageId(),
          ...(o.rootId ? { root_id: o.rootId } : {}),
          ...(o.parentId ? { parent_id: o.parentId } : {}),
          ...(o.threadId ? { thread_id: o.threadId } : {}),
          create_time: createTime,
          update_time: createTime,
          chat_id: o.chatId,
          chat_type: o.chatType ?? 'group',
          message_type: type,
          content,
          // Lark leaves the field out when nobody is mentioned.
          ...(mentions?.length ? { mentions } : {}),
          user_agent: 'Mozilla/5.0 Lark/7.30.0',
        },
      },
    };
  },

  /** card.action.trigger: a click or form submit on a JSON 2.0 card. */
  cardAction(o: CardActionOpts): LarkEnvelope<CardActionEvent> {
    const tenantKey = o.tenantKey ?? 'tenant_test';
    return {
      schema: '2.0',
      header: header('card.action.trigger', o, tenantKey),
      event: {
        operator: {
          tenant_key: tenantKey,
          user_id: o.operatorUserId ?? '',
          open_id: o.operatorOpenId,
          union_id: o.operatorUnionId ?? '',
        },
        token: o.cardToken ?? larkIds.cardToken(),
        action: {
          value: o.value ?? {},
          tag: o.tag ?? 'button',
          timezone: 'Asia/Shanghai',
          ...(o.formValue ? { form_value: o.formValue } : {}),
          ...(o.name ? { name: o.name } : {}),
          ...(o.option !== undefined ? { option: o.option } : {}),
        },
        host: 'im_message',
        context: { open_message_id: o.messageId, open_chat_id: o.chatId },
      },
    };
  },

  /** The handshake Lark sends when the request URL is saved in the developer console. */
  urlVerification(o: { challenge?: string; token?: string } = {}): UrlVerification {
    return { challenge: o.challenge ?? hex(16), token: o.token ?? DEFAULT_TOKEN, type: 'url_verification' };
  },

  /** The same handshake as Lark sends it when an encrypt key is configured: `{encrypt}` only. */
  urlVerificationEncrypted(
    encryptKey: string,
    o: { challenge?: string; token?: string } = {},
  ): { body: { encrypt: string }; challenge: string } {
    const plain = larkEvent.urlVerification(o);
    return {
      body: { encrypt: encryptLarkEvent(encryptKey, JSON.stringify(plain)) },
      challenge: plain.challenge,
    };
  },
};

export interface SignedRequestOpts {
  encryptKey: string;
  /** Send `{"encrypt": "..."}` instead of the plain JSON, as Lark does when an encrypt key is set. */
  encrypt?: boolean;
  /** Whole seconds as a string; defaults to now. */
  timestamp?: string;
  nonce?: string;
}

export interface SignedRequest {
  body: string;
  headers: Record<string, string>;
}

/** The raw body and headers of one delivery; the signature covers the raw body exactly as sent. */
export function signedRequest(body: object, opts: SignedRequestOpts): SignedRequest {
  const plain = JSON.stringify(body);
  const raw = opts.encrypt ? JSON.stringify({ encrypt: encryptLarkEvent(opts.encryptKey, plain) }) : plain;
  const timestamp = opts.timestamp ?? String(Math.floor(Date.now() / 1000));
  const nonce = opts.nonce ?? hex(8);
  return {
    body: raw,
    headers: {
      'Content-Type': 'application/json; charset=utf-8',
      'X-Lark-Request-Timestamp': timestamp,
      'X-Lark-Request-Nonce': nonce,
      'X-Lark-Signature': signLarkRequest(opts.encryptKey, raw, timestamp, nonce),
    },
  };
}
