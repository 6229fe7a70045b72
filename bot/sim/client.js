// The simulator page: chat list, persona switcher, composer, live updates and the clock.
// Talks to the JSON API under /sim/api; every change arrives over Server-Sent Events.
import { el, renderMessage } from './cards.js';

const $ = (sel) => document.querySelector(sel);
const STORE = 'huying.sim.persona';
/** what each chat's newest seen message is, kept across reloads */
const SEEN = 'huying.sim.seen';
const s = {
  chats: [],
  personas: [],
  me: null,
  current: null,
  /** chat id → Map(message id → record) */
  messages: new Map(),
  /** chat id → whether its history was fetched */
  loaded: new Set(),
  /** chat id → newest id the person has seen, and unread counts */
  seen: {},
  unread: {},
};

async function api(path, body) {
  const init =
    body === undefined
      ? {}
      : { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) };
  const res = await fetch(`/sim/api${path}`, init);
  const data = await res.json().catch(() => ({}));
  if (!res.ok) throw new Error(data.message || `请求失败（${res.status}）`);
  return data;
}

let toastTimer;
function toast(text, kind = 'ok') {
  const t = $('#toast');
  t.textContent = text;
  t.className = `toast ${kind}`;
  t.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => {
    t.hidden = true;
  }, 3500);
}

const chatById = (id) => s.chats.find((c) => c.id === id);
const isMember = (chatId) => !!s.me?.chats.includes(chatId);
const bigger = (a, b) => BigInt(a) > BigInt(b ?? '0');
const listOf = (chatId) => {
  if (!s.messages.has(chatId)) s.messages.set(chatId, new Map());
  return s.messages.get(chatId);
};

/** Remembers the newest message seen in a chat, so that a reload keeps what is unread. */
function markSeen(chatId, id) {
  s.seen[chatId] = id;
  try {
    localStorage.setItem(SEEN, JSON.stringify(s.seen));
  } catch {}
}

/** On opening the page: each chat's unread count since the last visit (a first visit starts all read). */
async function loadUnread() {
  let stored = {};
  try {
    stored = JSON.parse(localStorage.getItem(SEEN) || '{}');
  } catch {}
  for (const c of s.chats) {
    s.seen[c.id] = stored[c.id] ?? c.lastId;
    if (!bigger(c.lastId, s.seen[c.id])) continue;
    const { messages } = await api(`/chats/${encodeURIComponent(c.id)}/messages?after=${s.seen[c.id]}`);
    s.unread[c.id] = messages.filter((r) => !r.to || r.to === s.me?.id).length;
  }
}

// --- the chat list -------------------------------------------------------------------------
function renderChats() {
  const nav = $('#chats');
  nav.replaceChildren();
  let group = '';
  for (const c of s.chats) {
    if (c.group !== group) {
      group = c.group;
      nav.append(el('h2', { text: group }));
    }
    const n = s.unread[c.id] || 0;
    const member = isMember(c.id);
    nav.append(
      el(
        'button',
        {
          type: 'button',
          class: `chat-item${member ? '' : ' outsider'}`,
          'data-testid': 'chat-item',
          'data-chat': c.id,
          'aria-current': c.id === s.current ? 'true' : 'false',
          'aria-label': `${c.title}${n ? `，${n}条未读` : ''}${member ? '' : '（当前身份不在此群）'}`,
          title: member ? c.title : `${c.title}（当前身份不在此群，可旁观）`,
          onclick: () => openChat(c.id),
        },
        el('span', {
          class: `avatar ${c.role}`,
          'aria-hidden': 'true',
          text: c.title.replace(/^区/, '').slice(0, 1),
        }),
        el('span', { class: 'chat-name', text: c.title }),
        n
          ? el('span', { class: 'badge', 'data-testid': 'unread-badge', text: n > 99 ? '99+' : String(n) })
          : null,
      ),
    );
  }
}

// --- the open chat -------------------------------------------------------------------------
async function openChat(id) {
  s.current = id;
  const chat = chatById(id);
  $('#chat-title').textContent = chat.title;
  const members = s.personas.filter((p) => p.chats.includes(id)).map((p) => p.name);
  $('#chat-sub').textContent = `${chat.unitName} · 模拟成员：${members.join('、') || '无'}`;
  $('#messages').replaceChildren();
  if (!s.loaded.has(id)) {
    const { messages } = await api(`/chats/${encodeURIComponent(id)}/messages`);
    for (const r of messages) listOf(id).set(r.id, r);
    s.loaded.add(id);
  }
  if (s.current !== id) return; // switched again meanwhile
  s.unread[id] = 0;
  markSeen(
    id,
    [...listOf(id).keys()].reduce((a, b) => (bigger(b, a) ? b : a), s.seen[id] ?? '0'),
  );
  renderMessages();
  renderChats();
  renderComposer();
}

const view = () => ({ me: s.me, member: isMember(s.current), press });

/** An answer meant for one persona (a refusal, a hint) shows to that persona only. */
const visible = (r) => !r.to || r.to === s.me?.id;

function renderMessages() {
  const box = $('#messages');
  const rows = [...listOf(s.current).values()].filter(visible).sort((a, b) => (bigger(a.id, b.id) ? 1 : -1));
  box.replaceChildren(...rows.map((r) => renderMessage(r, view())));
  if (!rows.length) box.append(el('p', { class: 'empty', text: '还没有消息。' }));
  box.scrollTop = box.scrollHeight;
}

function renderComposer() {
  const member = isMember(s.current);
  for (const x of ['#text', '#send', '#mention']) $(x).disabled = !member;
  const guest = $('#guest');
  guest.hidden = member;
  if (member) return;
  const someone = s.personas.find((p) => p.chats.includes(s.current));
  guest.replaceChildren(`当前身份（${s.me.name}）不在此群，只能旁观。`);
  if (someone)
    guest.append(
      el('button', {
        type: 'button',
        'data-testid': 'switch-to-member',
        text: `切换为 ${someone.name}`,
        onclick: () => setPersona(someone.id),
      }),
    );
}

/** A new or changed message, from the API answer or the live stream. */
function upsert(r) {
  const list = listOf(r.chat);
  const old = list.get(r.id);
  if (old && old.updatedAt === r.updatedAt) return;
  list.set(r.id, r);
  const chat = chatById(r.chat);
  if (chat && bigger(r.id, chat.lastId)) chat.lastId = r.id;
  if (!visible(r)) return;
  if (r.chat !== s.current) {
    if (!old && bigger(r.id, s.seen[r.chat])) {
      s.unread[r.chat] = (s.unread[r.chat] || 0) + 1;
      renderChats();
    }
    return;
  }
  markSeen(r.chat, bigger(r.id, s.seen[r.chat]) ? r.id : s.seen[r.chat]);
  const box = $('#messages');
  const atBottom = box.scrollHeight - box.scrollTop - box.clientHeight < 80;
  const node = renderMessage(r, view());
  const existing = box.querySelector(`[data-message-id="${r.id}"]`);
  if (existing) existing.replaceWith(node);
  else {
    box.querySelector('.empty')?.remove();
    const after = [...box.children].find((c) => bigger(c.dataset.messageId, r.id));
    box.insertBefore(node, after ?? null);
    if (atBottom || node.classList.contains('mine') || r.fromBot) box.scrollTop = box.scrollHeight;
  }
}

// --- acting --------------------------------------------------------------------------------
async function press(r, action, extra, card) {
  const controls = card ? [...card.querySelectorAll('button, input, select')] : [];
  for (const c of controls) c.disabled = true;
  try {
    const res = await api('/actions', { from: s.me.id, message: r.id, action, ...extra });
    upsert(res.message);
    toast(res.result.toast || (res.ok ? '已办理' : '未能办理'), res.ok ? 'ok' : 'warn');
    if (!res.ok) for (const c of controls) c.disabled = false;
  } catch (e) {
    toast(e.message, 'error');
    for (const c of controls) c.disabled = false;
  }
}

// --- photos to send with the next message ---------------------------------------------------
/** { type, data (base64), name } */
let attached = [];
const MAX_PHOTO = 2 * 1024 * 1024;

function renderAttached() {
  $('#attached').replaceChildren(
    ...attached.map((p, i) =>
      el(
        'span',
        { class: 'attached-photo' },
        el('img', { src: `data:${p.type};base64,${p.data}`, alt: p.name }),
        el('button', {
          type: 'button',
          text: '×',
          'aria-label': `移除 ${p.name}`,
          onclick: () => {
            attached.splice(i, 1);
            renderAttached();
          },
        }),
      ),
    ),
  );
}

async function attach(e) {
  for (const file of e.target.files) {
    if (attached.length >= 3) {
      toast('一次最多附 3 张图片', 'warn');
      break;
    }
    if (file.size > MAX_PHOTO) {
      toast(`${file.name} 超过 2 MB`, 'warn');
      continue;
    }
    const url = await new Promise((resolve, reject) => {
      const r = new FileReader();
      r.onload = () => resolve(r.result);
      r.onerror = () => reject(r.error);
      r.readAsDataURL(file);
    });
    attached.push({ type: file.type, data: String(url).split(',')[1], name: file.name });
  }
  e.target.value = '';
  renderAttached();
}

async function send(e) {
  e.preventDefault();
  const input = $('#text');
  const text = input.value.trim();
  if (!text && !attached.length) return input.focus();
  $('#send').disabled = true;
  try {
    const res = await api(`/chats/${encodeURIComponent(s.current)}/messages`, {
      from: s.me.id,
      text,
      images: attached.map(({ type, data }) => ({ type, data })),
    });
    input.value = '';
    attached = [];
    renderAttached();
    upsert(res.message);
    if (res.result.status === 'ignored')
      toast('呼应没有处理这条消息：反映问题请先 @呼应；办事请直接输入指令（发送「帮助」查看）', 'warn');
    else if (res.result.status === 'refused' || res.result.status === 'hint')
      toast(res.result.toast || '请看呼应的回复', 'warn');
  } catch (err) {
    toast(err.message, 'error');
  } finally {
    $('#send').disabled = !isMember(s.current);
    input.focus();
  }
}

function insertMention() {
  const input = $('#text');
  if (!/[@＠]呼应/.test(input.value)) input.value = `@呼应 ${input.value.trimStart()}`;
  input.focus();
  input.setSelectionRange(input.value.length, input.value.length);
}

// --- personas ------------------------------------------------------------------------------
function renderPersonas() {
  const select = $('#persona');
  const groups = new Map();
  for (const p of s.personas) {
    const label = chatById(p.chats[0])?.group ?? '其他';
    if (!groups.has(label)) groups.set(label, el('optgroup', { label }));
    groups.get(label).append(el('option', { value: p.id, text: `${p.name}（${p.role}·${p.unitName}）` }));
  }
  select.replaceChildren(...groups.values());
  select.addEventListener('change', () => setPersona(select.value));
}

function setPersona(id) {
  const p = s.personas.find((x) => x.id === id) ?? s.personas[0];
  s.me = p;
  localStorage.setItem(STORE, p.id);
  $('#persona').value = p.id;
  $('#persona-info').replaceChildren(el('strong', { text: p.name }), ` ${p.role} · ${p.unitName}`);
  if (!s.current || !p.chats.includes(s.current)) return openChat(p.chats[0]);
  renderMessages();
  renderChats();
  renderComposer();
}

// --- the clock (manual mode only) ----------------------------------------------------------
const CLOCK = new Intl.DateTimeFormat('zh-CN', {
  timeZone: 'Asia/Shanghai',
  dateStyle: 'medium',
  timeStyle: 'short',
  hour12: false,
});
const showClock = (iso) => {
  $('#clock-now').textContent =
    `${CLOCK.format(new Date(iso))}（${new Date(iso).toLocaleDateString('zh-CN', { timeZone: 'Asia/Shanghai', weekday: 'short' })}）`;
  $('#clock-now').setAttribute('datetime', iso);
};
async function advance(duration, to) {
  try {
    const res = await api('/clock', to ? { to } : { advance: duration });
    showClock(res.clock.now);
    toast(`已快进到 ${$('#clock-now').textContent}`);
  } catch (e) {
    toast(e.message, 'error');
  }
}
function setupClock(clock) {
  if (clock.mode !== 'manual') return;
  $('#clock').hidden = false;
  showClock(clock.now);
  for (const b of document.querySelectorAll('[data-advance]'))
    b.addEventListener('click', () => advance(b.dataset.advance));
  for (const b of document.querySelectorAll('[data-to]'))
    b.addEventListener('click', () => advance(undefined, b.dataset.to));
  $('#clock-form').addEventListener('submit', (e) => {
    e.preventDefault();
    const n = Number($('#clock-amount').value);
    const unit = $('#clock-unit').value;
    if (!(n > 0)) return toast('请填写快进多少', 'warn');
    advance(unit === 'D' ? `P${n}D` : `PT${n}${unit}`);
  });
  $('#demo-month').addEventListener('click', playDemo);
}
async function playDemo() {
  const button = $('#demo-month');
  button.disabled = true;
  toast('正在演示一个月，请稍候…');
  try {
    const res = await api('/demo', {});
    showClock(res.clock.now);
    const [y, m] = res.month.split('-');
    toast(`已演示 ${y}年${Number(m)}月：${res.calls.length} 件呼叫；月度通报已发到呼应办和区领导群`);
  } catch (e) {
    toast(e.message, 'error');
  } finally {
    button.disabled = false;
  }
}

// --- live updates --------------------------------------------------------------------------
function connect() {
  const live = $('#live');
  const events = new EventSource('/sim/api/events');
  events.addEventListener('hello', () => {
    live.textContent = '● 实时';
    live.className = 'live on';
  });
  events.addEventListener('message', (e) => upsert(JSON.parse(e.data)));
  events.addEventListener('clock', (e) => showClock(JSON.parse(e.data).now));
  events.addEventListener('error', () => {
    live.textContent = '重新连接中…';
    live.className = 'live';
  });
}

async function start() {
  const state = await api('/state');
  s.chats = state.chats;
  s.personas = state.personas;
  const q = new URLSearchParams(location.search);
  renderPersonas();
  setupClock(state.clock);
  connect();
  $('#composer').addEventListener('submit', send);
  $('#mention').addEventListener('click', insertMention);
  $('#photo').addEventListener('change', (e) => attach(e).catch((err) => toast(err.message, 'error')));
  const wanted = q.get('as') || localStorage.getItem(STORE);
  const first =
    s.personas.find((p) => p.id === wanted) ??
    s.personas.find((p) => p.roleCode === 'resident') ??
    s.personas[0];
  s.me = first;
  await loadUnread();
  await setPersona(first.id);
  const chat = q.get('chat');
  if (chat && chatById(chat)) await openChat(chat);
}

start().catch((e) => toast(`模拟器加载失败：${e.message}`, 'error'));
