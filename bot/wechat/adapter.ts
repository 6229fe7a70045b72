// Runs the wechaty bot: loads wechaty only when WeChat is configured, keeps the session (memory
// card) under HUYING_DATA_DIR, tracks login state for the sender and the admin page, and tells
// the office when the account logs in, logs out or fails. Every event handler is wrapped: an
// async handler that throws would kill the process.
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Ctx } from '../../handlers/context.ts';
import { notice, type Tone } from '../../handlers/messages.ts';
import { systemActor } from '../../handlers/people.ts';
import { runWork } from '../../handlers/work.ts';
import type { Router } from '../router.ts';
import { createWechatInbound, type WechatInbound, type WechatMessageLike } from './inbound.ts';
import type { WechatBotLike } from './sender.ts';

export type WechatState = 'starting' | 'waiting_scan' | 'logged_in' | 'logged_out' | 'error' | 'stopped';

export interface WechatStatus {
  state: WechatState;
  /** the puppet in use: WECHATY_PUPPET, or "injected" in tests */
  puppet: string;
  since: string;
  user?: { id: string; name: string };
  /** the login QR code while waiting for a scan */
  qrcode?: { value: string; url: string; status: string; at: string };
  lastError?: { message: string; at: string };
}

/** Where wechaty prints QR codes; the value is what WeChat's scanner reads. */
export const qrcodeUrl = (value: string) => `https://wechaty.js.org/qrcode/${encodeURIComponent(value)}`;

const SCAN_STATUS: Record<number, string> = {
  0: 'unknown',
  1: 'cancel',
  2: 'waiting',
  3: 'scanned',
  4: 'confirmed',
  5: 'timeout',
};
const ERROR_REPORT_EVERY_MS = 10 * 60_000;
const RESTART_AFTER_MS = 60_000;

export interface WechatAdapterOptions {
  ctx: Ctx;
  router: Router;
  /** a puppet module name (WECHATY_PUPPET) or, in tests, a puppet instance */
  puppet: unknown;
  /** WECHATY_PUPPET_SERVICE_TOKEN for token-based service puppets */
  token?: string;
  dataDir: string;
  /** where the admin page is, for the office's "please scan" notice */
  adminUrl?: string;
  /** one room at a time on embedded PGlite */
  concurrency?: number;
}

export interface WechatAdapter {
  bot(): WechatBotLike | undefined;
  online(): boolean;
  status(): WechatStatus;
  inbound: WechatInbound;
  start(): Promise<void>;
  stop(): Promise<void>;
}

type AnyBot = WechatBotLike & {
  on(event: string, listener: (...args: any[]) => unknown): unknown;
  start(): Promise<void>;
  stop(): Promise<void>;
};

export function createWechatAdapter(opts: WechatAdapterOptions): WechatAdapter {
  const { ctx } = opts;
  const log = ctx.log.child({ platform: 'wechat' });
  const puppetName = typeof opts.puppet === 'string' ? opts.puppet : 'injected';
  let status: WechatStatus = { state: 'starting', puppet: puppetName, since: new Date().toISOString() };
  let bot: AnyBot | undefined;
  let stopped = false;
  let restartTimer: NodeJS.Timeout | undefined;
  let scanReported = false;
  const lastReported = new Map<string, number>();

  const set = (patch: Partial<WechatStatus>) => {
    const changed = patch.state && patch.state !== status.state;
    status = { ...status, ...patch, ...(changed ? { since: new Date().toISOString() } : {}) };
  };

  const inbound = createWechatInbound({
    ctx,
    router: opts.router,
    selfName: () => (status.state === 'logged_in' ? status.user?.name : undefined),
    concurrency: opts.concurrency,
  });

  /** Tells the office through the outbox, on its non-WeChat chats where there are any. */
  async function report(title: string, text: string, tone: Tone, throttleKey?: string) {
    if (throttleKey) {
      const last = lastReported.get(throttleKey) ?? 0;
      if (Date.now() - last < ERROR_REPORT_EVERY_MS) return;
      lastReported.set(throttleKey, Date.now());
    }
    const office = ctx.district.office.code;
    await runWork(ctx, systemActor, null, async (w) => {
      const chats = await w.trx
        .selectFrom('chat_bindings')
        .select(['platform', 'chat_id'])
        .where('unit_code', '=', office)
        .execute();
      // A notice that WeChat is down would wait for WeChat to come back: use the other chats.
      const on = (p: string) => !ctx.platforms || ctx.platforms.includes(p);
      const elsewhere = chats.filter((c) => c.platform !== 'wechat' && on(c.platform));
      if (!elsewhere.length) return w.toUnit(office, notice(title, text, tone));
      for (const c of elsewhere) await w.toChat(c.platform, c.chat_id, notice(title, text, tone));
      return elsewhere.length;
    });
  }

  /** Runs an event handler so that nothing it throws escapes into wechaty (or the process). */
  const safely =
    <A extends unknown[]>(name: string, fn: (...args: A) => unknown) =>
    (...args: A) => {
      try {
        Promise.resolve(fn(...args)).catch((err) =>
          log.error({ err, event: name }, 'wechat: handler failed'),
        );
      } catch (err) {
        log.error({ err, event: name }, 'wechat: handler failed');
      }
    };

  const seeAdmin = opts.adminUrl
    ? `请在 ${opts.adminUrl} 扫码登录。`
    : '请在管理页面 /admin/wechat 扫码登录。';

  function attach(b: AnyBot) {
    b.on(
      'scan',
      safely('scan', async (qrcode: string, code: number) => {
        const scanStatus = SCAN_STATUS[code] ?? String(code);
        const url = qrcodeUrl(qrcode);
        set({
          state: 'waiting_scan',
          qrcode: { value: qrcode, url, status: scanStatus, at: new Date().toISOString() },
        });
        log.info({ status: scanStatus, qrcode: url }, 'wechat: scan the QR code to log in');
        if (!scanReported && (scanStatus === 'waiting' || scanStatus === 'timeout')) {
          scanReported = true;
          await report(
            '微信机器人等待扫码登录',
            `微信群的消息暂存待发，登录后自动补发。${seeAdmin}`,
            'warning',
          );
        }
      }),
    );
    b.on(
      'login',
      safely('login', async (user: { id: string; name(): string }) => {
        scanReported = false;
        set({ state: 'logged_in', user: { id: user.id, name: user.name() }, qrcode: undefined });
        log.info({ userId: user.id, name: user.name() }, 'wechat: logged in');
        await report('微信机器人已登录', `账号：${user.name()}。暂存的消息正在补发。`, 'success');
        // Rows that waited while logged out: let the job layer pick them up now, not at its next sweep.
        ctx.afterCommit?.({ outbox: true, timers: [] });
      }),
    );
    b.on(
      'logout',
      safely('logout', async (user: { id: string; name(): string }, reason?: string) => {
        set({ state: stopped ? 'stopped' : 'logged_out' });
        log.warn({ userId: user?.id, reason }, 'wechat: logged out');
        if (stopped) return;
        await report(
          '微信机器人已退出登录',
          `账号：${user?.name?.() ?? '—'}${reason ? `（${reason}）` : ''}。发往微信群的消息暂存待发，登录后自动补发。${seeAdmin}`,
          'danger',
        );
      }),
    );
    b.on(
      'error',
      safely('error', async (err: unknown) => {
        const message = (err as Error)?.message ?? String(err);
        set({ lastError: { message, at: new Date().toISOString() } });
        log.error({ err }, 'wechat: error');
        await report('微信机器人出错', message.slice(0, 200), 'warning', `error:${message.slice(0, 80)}`);
      }),
    );
    b.on(
      'message',
      safely('message', (msg: WechatMessageLike) => inbound.onMessage(msg)),
    );
  }

  async function boot(): Promise<void> {
    const { WechatyBuilder } = await import('wechaty');
    const dir = join(opts.dataDir, 'wechat');
    // The memory card holds the login session: a secret, kept on the data volume across restarts.
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const b = WechatyBuilder.build({
      name: join(dir, 'huying'),
      puppet: opts.puppet as never,
      ...(opts.token ? { puppetOptions: { token: opts.token } } : {}),
    }) as unknown as AnyBot;
    bot = b;
    attach(b);
    await b.start();
    log.info({ puppet: puppetName }, 'wechat: bot started');
  }

  async function start(): Promise<void> {
    try {
      await boot();
      // stop() came while the bot was starting in the background
      if (stopped) return void (await within(bot?.stop() ?? Promise.resolve(), 5000));
      if (status.state === 'starting') set({ state: 'logged_out' });
    } catch (err) {
      const message = (err as Error).message;
      set({ state: 'error', lastError: { message, at: new Date().toISOString() } });
      log.error({ err, retryInMs: RESTART_AFTER_MS }, 'wechat: bot did not start');
      await report('微信机器人未能启动', `${message.slice(0, 200)}\n一分钟后重试。`, 'danger', 'start').catch(
        (e) => log.error({ err: e }, 'wechat: cannot report to the office'),
      );
      const failed = bot;
      bot = undefined;
      await failed?.stop().catch(() => {});
      if (!stopped) {
        restartTimer = setTimeout(() => void start(), RESTART_AFTER_MS);
        restartTimer.unref();
      }
    }
  }

  return {
    bot: () => bot,
    online: () => status.state === 'logged_in' && !!bot?.isLoggedIn,
    status: () => status,
    inbound,
    start,
    async stop() {
      stopped = true;
      if (restartTimer) clearTimeout(restartTimer);
      // Some puppets hang on stop; messages in hand get a moment to finish (they are recorded anyway).
      if (bot)
        await within(
          bot.stop().catch((err) => log.warn({ err }, 'wechat: stop failed')),
          5000,
        );
      if (!(await within(inbound.idle(), 10_000)))
        log.warn({ backlog: inbound.backlog() }, 'wechat: stopped with messages unfinished');
      set({ state: 'stopped' });
    },
  };
}

/** Waits for p at most ms; true when p settled in time. */
async function within(p: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((r) => {
    timer = setTimeout(() => r(false), ms);
  });
  const done = await Promise.race([p.then(() => true as const), timeout]);
  clearTimeout(timer);
  return done;
}
