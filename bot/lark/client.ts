// One Lark Open API client per app: its own token cache, a request timeout, our logger, and the
// bot's identity (fetched once and remembered).
import * as lark from '@larksuiteoapi/node-sdk';
import type { Logger } from '../../config/log.ts';

/** A token cache owned by one client (the SDK's default is process-wide and keyed by appId). */
export class TokenCache implements lark.Cache {
  private values = new Map<string, { value: unknown; expiresAt?: number }>();

  private key(key: string | symbol, namespace?: string) {
    return `${namespace ?? ''}/${String(key)}`;
  }

  get: lark.Cache['get'] = async (key, options) => {
    const hit = this.values.get(this.key(key as symbol, options?.namespace));
    if (!hit || (hit.expiresAt !== undefined && hit.expiresAt <= Date.now())) return undefined;
    return hit.value;
  };

  set: lark.Cache['set'] = async (key, value, expiresAt, options) => {
    this.values.set(this.key(key as symbol, options?.namespace), { value, expiresAt });
    return true;
  };

  /** Forgets every token, so the next call fetches a fresh one (after 99991663). */
  clear(): void {
    this.values.clear();
  }
}

/** The SDK's axios instance (it unwraps response bodies) with a timeout on every request. */
export function httpWithTimeout(timeoutMs: number): lark.HttpInstance {
  const base = lark.defaultHttpInstance;
  const t = (o?: Record<string, unknown>) => ({ timeout: timeoutMs, ...o });
  const http = {
    request: (o: Record<string, unknown>) => base.request(t(o)),
    get: (url: string, o?: Record<string, unknown>) => base.get(url, t(o)),
    delete: (url: string, o?: Record<string, unknown>) => base.delete(url, t(o)),
    head: (url: string, o?: Record<string, unknown>) => base.head(url, t(o)),
    options: (url: string, o?: Record<string, unknown>) => base.options(url, t(o)),
    post: (url: string, d?: unknown, o?: Record<string, unknown>) => base.post(url, d, t(o)),
    put: (url: string, d?: unknown, o?: Record<string, unknown>) => base.put(url, d, t(o)),
    patch: (url: string, d?: unknown, o?: Record<string, unknown>) => base.patch(url, d, t(o)),
  };
  return http as unknown as lark.HttpInstance;
}

/**
 * The SDK logs every failed request at error level; we classify and log failures ourselves,
 * so its errors become warnings and its chatter debug lines.
 */
export function sdkLogger(log: Logger): lark.Logger {
  const line = (msg: unknown[]) => msg.map((m) => (m instanceof Error ? m.message : String(m))).join(' ');
  return {
    error: (...msg) => log.warn({ sdk: line(msg) }, 'lark sdk'),
    warn: (...msg) => log.warn({ sdk: line(msg) }, 'lark sdk'),
    info: (...msg) => log.debug({ sdk: line(msg) }, 'lark sdk'),
    debug: (...msg) => log.debug({ sdk: line(msg) }, 'lark sdk'),
    trace: (...msg) => log.trace({ sdk: line(msg) }, 'lark sdk'),
  };
}

export interface LarkAppConfig {
  appId: string;
  appSecret: string;
  /** Open API base URL; Feishu's when unset */
  domain?: string;
  timeoutMs?: number;
}

export interface BotInfo {
  openId: string;
  name: string;
}

export interface LarkApi {
  client: lark.Client;
  cache: TokenCache;
  http: lark.HttpInstance;
  domain: string | lark.Domain;
  config: LarkAppConfig;
  /** The bot's own identity: fetched on first use, then remembered; a failure is retried next time. */
  botInfo(): Promise<BotInfo>;
}

export function larkDomain(domain: string | undefined): string | lark.Domain {
  return domain ? domain.replace(/\/+$/, '') : lark.Domain.Feishu;
}

export function createLarkApi(config: LarkAppConfig, log: Logger): LarkApi {
  const cache = new TokenCache();
  const http = httpWithTimeout(config.timeoutMs ?? 10_000);
  const domain = larkDomain(config.domain);
  const client = new lark.Client({
    appId: config.appId,
    appSecret: config.appSecret,
    domain,
    cache,
    httpInstance: http,
    logger: sdkLogger(log),
  });
  let info: Promise<BotInfo> | undefined;
  return {
    client,
    cache,
    http,
    domain,
    config,
    botInfo() {
      if (!info) {
        info = fetchBotInfo(client);
        info.catch(() => {
          info = undefined;
        });
      }
      return info;
    },
  };
}

export class LarkApiError extends Error {
  constructor(
    message: string,
    readonly code?: number,
  ) {
    super(message);
    this.name = 'LarkApiError';
  }
}

/** GET /open-apis/bot/v3/info: the bot's open_id (to recognise @-mentions of it) and name. */
export async function fetchBotInfo(client: lark.Client): Promise<BotInfo> {
  let res: { code?: number; msg?: string; bot?: { open_id?: string; app_name?: string } };
  try {
    res = await client.request({ method: 'GET', url: '/open-apis/bot/v3/info' });
  } catch (e) {
    const data = (e as { response?: { data?: { code?: number; msg?: string } } }).response?.data;
    throw new LarkApiError(
      `cannot fetch the bot's info: ${data ? `${data.code} ${data.msg}` : (e as Error).message}`,
      data?.code,
    );
  }
  if (res?.code !== 0 || !res.bot?.open_id)
    throw new LarkApiError(
      `cannot fetch the bot's info: ${res?.code} ${res?.msg ?? 'no bot in answer'}`,
      res?.code,
    );
  return { openId: res.bot.open_id, name: res.bot.app_name ?? '' };
}
