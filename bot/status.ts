// GET /status (ADMIN_TOKEN): what this process is and what it is connected to — version and
// role, the database, the queue, the integrations that are on and when each last delivered.
// JSON of named sections (one entry of STATUS_SECTIONS each, so a section is one more entry),
// or a Chinese page of the same for a browser.
import type { Hono } from 'hono';
import { sql } from 'kysely';
import { lastSent as lastSentRows } from '../db/outbox.ts';
import { withTimeout } from '../jobs/lane.ts';
import { enabledPlatforms } from './adapters.ts';
import { adminHtml, mountAdminAssets } from './admin/html.ts';
import { queueCounts } from './admin/queues.ts';
import { statusPage } from './admin/status-page.ts';
import type { AppEnv } from './app.ts';
import { adminAuth } from './auth.ts';
import type { Services } from './services.ts';
import { VERSION } from './version.ts';

export interface StatusContext {
  services: Services;
  startedAt: Date;
}

/** One section of the status: computed on each request; a failure shows as that section's error. */
export type StatusSection = (s: StatusContext) => Promise<Record<string, unknown>>;

const iso = (v: unknown) => (v ? new Date(v as string).toISOString() : null);

export const STATUS_SECTIONS: Record<string, StatusSection> = {
  async service({ services, startedAt }) {
    return {
      version: VERSION,
      role: services.role,
      startedAt: startedAt.toISOString(),
      node: process.version,
      clock: services.runtime.clock.kind,
    };
  },

  async database({ services }) {
    const { database } = services.runtime;
    await database.ping();
    // db/migrate.ts's bookkeeping table (Kysely's), outside the app's schema types
    const { rows } = await sql<{ applied: string; latest: string | null }>`
      select count(*) as applied, max(name) as latest from huying_migrations`.execute(services.ctx.db);
    return {
      where: database.where,
      embedded: database.embedded,
      migrations: { applied: Number(rows[0]?.applied ?? 0), latest: rows[0]?.latest ?? null },
    };
  },

  async queue({ services }) {
    const driver = services.runtime.queues;
    return {
      kind: driver.kind,
      ...(driver.kind === 'bullmq' ? { prefix: services.runtime.env.HUYING_QUEUE_PREFIX } : {}),
      queues: await queueCounts(driver),
    };
  },

  async integrations({ services }) {
    const { ctx, senders, runtime } = services;
    // The outbox keeps every delivery with its time: the last one per platform and per webhook.
    const sent = await lastSentRows(ctx.db);
    const lastSent = (platform: string, target: string | null = null) =>
      iso(sent.find((r) => r.platform === platform && r.target === target)?.last);
    const requests = ctx.district.open311.clients.length
      ? await ctx.db
          .selectFrom('calls')
          .select((eb) => ['source', eb.fn.max('created_at').as('last')])
          .where('source', 'like', 'open311:%')
          .groupBy('source')
          .execute()
      : [];
    const names = [...new Set([...enabledPlatforms(runtime.env), ...senders.keys()])];
    return {
      // switched on by the environment; `sender`: this process registered one (the worker sends)
      platforms: names.map((name) => ({
        name,
        sender: senders.has(name),
        lastSentAt: lastSent(name),
      })),
      webhooks: ctx.district.webhooks.map((w) => ({
        name: w.name,
        // the host only: a subscriber's URL may carry a key in its path or query
        host: hostOf(w.url),
        events: w.events,
        lastSentAt: lastSent('webhook', w.name),
      })),
      open311: {
        on: ctx.district.open311.clients.length > 0,
        clients: ctx.district.open311.clients.map((c) => ({
          name: c.name,
          lastRequestAt: iso(requests.find((r) => r.source === `open311:${c.name}`)?.last),
        })),
      },
    };
  },
};

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return '(invalid URL)';
  }
}

/** Every section; one that fails or hangs (Redis away, say) shows its error, the rest still show. */
export async function collectStatus(s: StatusContext): Promise<Record<string, Record<string, unknown>>> {
  const entries = await Promise.all(
    Object.entries(STATUS_SECTIONS).map(async ([name, section]) => {
      try {
        return [name, await withTimeout(section(s), 3000, name)] as const;
      } catch (e) {
        return [name, { error: (e as Error).message }] as const;
      }
    }),
  );
  return Object.fromEntries(entries);
}

/** JSON unless the client asks for a page (a browser sends Accept: text/html). */
const wantsHtml = (accept: string | undefined) => /\btext\/html\b/.test(accept ?? '');

export function mountStatus(app: Hono<AppEnv>, services: Services, startedAt: Date): void {
  mountAdminAssets(app);
  app.get('/status', adminAuth(services.runtime.env.ADMIN_TOKEN), async (c) => {
    const status = await collectStatus({ services, startedAt });
    if (wantsHtml(c.req.header('accept'))) return adminHtml(c, statusPage(status));
    c.header('Cache-Control', 'no-store');
    return c.json(status);
  });
}
