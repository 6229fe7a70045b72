// The Chinese page of GET /status: each known section in words and tables; a section this page
// does not know yet (added to STATUS_SECTIONS later) still shows, as its JSON.
import { platformLabel } from '../adapters.ts';
import { adminPage, beijingTime, escapeHtml, facts, table } from './html.ts';

type Section = Record<string, any>;

export const ROLE_NAMES: Record<string, string> = {
  all: '全部（接收请求与后台任务同在一个进程）',
  web: '网页（接收平台事件与接口请求）',
  worker: '后台任务（发送、提醒、升级、通报）',
};
export const QUEUE_NAMES_ZH: Record<string, string> = {
  send: '发送（send）',
  timers: '提醒与升级（timers）',
  schedules: '定时任务（schedules）',
};
const SECTION_TITLES: Record<string, string> = {
  service: '服务',
  database: '数据库',
  queue: '任务队列',
  integrations: '接入',
};

const num = (n: unknown) => `<span>${escapeHtml(n ?? 0)}</span>`;

/** Counts per queue: waiting, delayed, active, failed. */
export function queueTable(queues: Record<string, Record<string, number>>): string {
  return table(
    ['队列', '等待', '延迟（未到时间）', '处理中', '失败'],
    Object.entries(queues).map(([name, c]) => [
      escapeHtml(QUEUE_NAMES_ZH[name] ?? name),
      num(c.waiting),
      num(c.delayed),
      num(c.active),
      c.failed ? `<span class="bad">${escapeHtml(c.failed)}</span>` : num(0),
    ]),
  );
}

const RENDER: Record<string, (s: Section) => string> = {
  service: (s) =>
    facts([
      ['版本', escapeHtml(s.version)],
      ['角色', escapeHtml(ROLE_NAMES[s.role] ?? s.role)],
      ['启动时间', beijingTime(s.startedAt)],
      ['Node.js', escapeHtml(s.node)],
      ['时钟', s.clock === 'manual' ? '<span class="bad">模拟时钟（仅限演示）</span>' : '系统时钟'],
    ]),
  database: (s) =>
    facts([
      ['位置', escapeHtml(s.where)],
      ['类型', s.embedded ? '内置数据库（PGlite，仅适合试用）' : 'PostgreSQL'],
      [
        '已执行迁移',
        `${escapeHtml(s.migrations?.applied)} 个，最新 ${escapeHtml(s.migrations?.latest ?? '—')}`,
      ],
    ]),
  queue: (s) =>
    facts([
      ['类型', s.kind === 'bullmq' ? 'BullMQ（Redis）' : '进程内队列（内置模式）'],
      ...(s.prefix ? [['键前缀', escapeHtml(s.prefix)] as [string, string]] : []),
    ]) + queueTable(s.queues ?? {}),
  integrations: (s) =>
    `<h3>聊天平台</h3>${table(
      ['平台', '本进程有发送端', '最近一次成功发送'],
      (s.platforms ?? []).map((p: Section) => [
        escapeHtml(platformLabel(p.name)),
        p.sender ? '是' : '否',
        beijingTime(p.lastSentAt),
      ]),
      '未开启任何聊天平台',
    )}
<h3>Webhook 订阅</h3>${table(
      ['名称', '地址（主机）', '事件', '最近一次成功推送'],
      (s.webhooks ?? []).map((w: Section) => [
        escapeHtml(w.name),
        escapeHtml(w.host),
        escapeHtml((w.events ?? []).join('、')),
        beijingTime(w.lastSentAt),
      ]),
      '未配置 Webhook 订阅',
    )}
<h3>Open311 客户端</h3>${table(
      ['名称', '最近一次提交诉求'],
      (s.open311?.clients ?? []).map((c: Section) => [escapeHtml(c.name), beijingTime(c.lastRequestAt)]),
      '未开启 Open311（区划文件未配置 open311.clients）',
    )}`,
};

export function statusPage(status: Record<string, Section>): string {
  const sections = Object.entries(status).map(([name, s]) => {
    const title = SECTION_TITLES[name] ?? name;
    const body =
      'error' in s
        ? `<p class="bad">无法获取：${escapeHtml(s.error)}</p>`
        : RENDER[name]
          ? RENDER[name](s)
          : `<pre>${escapeHtml(JSON.stringify(s, null, 2))}</pre>`;
    return `<h2>${escapeHtml(title)}</h2>\n${body}`;
  });
  return adminPage(
    '呼应 · 运行状态',
    `<p class="muted">本页为当前进程所见；健康检查请用 /healthz（存活）与 /readyz（就绪）。JSON 格式：不带 Accept: text/html 请求同一地址。</p>
${sections.join('\n')}`,
  );
}
