// The simulator page: one message as the page shows it. People's messages are bubbles; the
// bot's are cards (coloured header by tone, labelled fields, text, buttons, a form, a note).
// Built with DOM calls only: nothing anyone wrote is ever parsed as HTML.

/** el('div', { class: 'x', text: '…', onclick: fn, 'data-testid': 'y' }, ...children) */
export function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') e.className = v;
    else if (k === 'text') e.textContent = v;
    else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat(Number.POSITIVE_INFINITY))
    if (c !== undefined && c !== null && c !== false) e.append(c);
  return e;
}

const TIME = new Intl.DateTimeFormat('zh-CN', {
  timeZone: 'Asia/Shanghai',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  hour12: false,
});

/** "11-27 10:02", Beijing time */
export function shortTime(iso) {
  const p = Object.fromEntries(TIME.formatToParts(new Date(iso)).map((x) => [x.type, x.value]));
  return `${p.month}-${p.day} ${p.hour}:${p.minute}`;
}

/** Text with "@呼应" (and other @names) set off. */
function withMentions(text) {
  return text
    .split(/([@＠][^\s@＠，,。]+)/)
    .map((part, i) => (i % 2 ? el('span', { class: 'at', text: part }) : part));
}

/** Text with web links (a console login link: absolute, or a path on this server) made clickable. */
function withLinks(text) {
  return text.split(/(https?:\/\/[^\s]+|\/console\/[^\s]+)/).map((part, i) =>
    i % 2
      ? el('a', {
          href: part,
          target: '_blank',
          rel: 'noopener noreferrer',
          'data-testid': 'card-link',
          text: part,
        })
      : part,
  );
}

/**
 * @param r the message record from the API
 * @param view { me: persona, member: whether `me` sits in this chat, press(r, action, extra) }
 */
export function renderMessage(r, view) {
  const mine = !r.fromBot && r.persona === view.me?.id;
  const initial = r.fromBot ? '呼' : (r.sender.split('·').at(-1) || r.sender).slice(0, 1);
  const avatar = el('span', {
    class: `avatar${r.fromBot ? ' bot' : ''}`,
    'aria-hidden': 'true',
    text: initial,
  });
  const meta = el(
    'div',
    { class: 'meta' },
    el('span', { class: 'name', text: r.sender }),
    r.to ? el('span', { class: 'only-you', 'data-testid': 'only-you', text: '仅你可见' }) : undefined,
    el('time', { datetime: r.at, text: shortTime(r.at) }),
  );
  const content =
    r.fromBot && r.message
      ? renderCard(r, view)
      : el(
          'div',
          { class: 'bubble', 'data-testid': 'bubble' },
          withMentions(r.text ?? ''),
          r.images?.length
            ? el(
                'div',
                { class: 'bubble-photos' },
                r.images.map((ref) =>
                  el('img', {
                    src: `/sim/api/images/${encodeURIComponent(ref)}`,
                    alt: '照片',
                    'data-testid': 'sent-photo',
                  }),
                ),
              )
            : undefined,
        );
  return el(
    'div',
    {
      class: `msg${mine ? ' mine' : ''}${r.fromBot ? ' bot' : ''}`,
      'data-testid': 'message',
      'data-message-id': r.id,
    },
    avatar,
    el('div', { class: 'msg-body' }, meta, content),
  );
}

function renderCard(r, view) {
  const m = r.message;
  const off = !view.member;
  const why = off ? '当前身份不在此群，切换为群成员后才能操作' : undefined;
  const body = el('div', { class: 'card-body' });
  const card = el(
    'article',
    {
      class: `card tone-${m.tone || 'info'}`,
      'data-testid': 'card',
      'data-kind': m.kind,
      'data-call-no': m.callNo,
      'aria-label': m.title,
    },
    el('header', { class: 'card-head', 'data-testid': 'card-title', text: m.title }),
    body,
  );
  if (m.mentions?.length)
    body.append(
      el(
        'p',
        { class: 'mentions' },
        m.mentions.map((x) => {
          const me = view.me && (r.mentioned ?? []).includes(view.me.id) && x.name === view.me.name;
          return el('span', { class: `mention-chip${me ? ' me' : ''}`, text: `@${x.name}` });
        }),
      ),
    );
  if (m.fields?.length)
    body.append(
      el(
        'dl',
        { class: 'fields' },
        m.fields.map((f) => [el('dt', { text: f.label }), el('dd', { text: f.value })]),
      ),
    );
  if (m.text) body.append(el('div', { class: 'card-text', 'data-testid': 'card-text' }, withLinks(m.text)));
  if (m.images?.length) body.append(el('div', { class: 'images' }, m.images.map(image)));

  const ask = el('div', { class: 'ask', hidden: true, 'data-testid': 'needs-text' });
  if (m.buttons?.length) {
    const row = el('div', { class: 'card-buttons', role: 'group', 'aria-label': '操作' });
    m.buttons.forEach((b, i) => {
      const button = el('button', {
        type: 'button',
        class: b.style || 'default',
        text: b.label,
        title: why ?? b.command.trim(),
        disabled: off,
        'data-testid': `card-button-${b.label}`,
        'aria-expanded': b.needsText ? 'false' : undefined,
        onclick: () => (b.needsText ? openAsk(ask, button, b, i, r, view) : view.press(r, i, {}, card)),
      });
      row.append(button);
    });
    body.append(row, ask);
  }
  if (m.form) body.append(renderForm(m.form, r, view, card, off));
  if (m.note) body.append(el('p', { class: 'note', 'data-testid': 'card-note', text: m.note }));
  return card;
}

/** A card's image by reference, served by /sim/api/images; its description if it will not load. */
function image(i) {
  const img = el('img', {
    src: `/sim/api/images/${encodeURIComponent(i.ref)}`,
    alt: i.alt,
    'data-testid': 'card-image',
  });
  img.addEventListener('error', () =>
    img.replaceWith(el('span', { class: 'image-missing', text: `[图片] ${i.alt}` })),
  );
  return el('figure', {}, img, el('figcaption', { text: i.alt }));
}

/** The words a needsText button asks for, inline under the card. */
function openAsk(ask, button, b, index, r, view) {
  const input = el('input', {
    type: 'text',
    'data-testid': 'needs-text-input',
    placeholder: b.needsText,
    required: true,
  });
  const submit = () => {
    const text = input.value.trim();
    if (!text) return input.focus();
    view.press(r, index, { text }, ask.closest('.card'));
  };
  input.addEventListener('keydown', (e) => {
    if (e.key === 'Enter') submit();
    if (e.key === 'Escape') close();
  });
  const close = () => {
    ask.hidden = true;
    ask.replaceChildren();
    button.setAttribute('aria-expanded', 'false');
    button.focus();
  };
  ask.replaceChildren(
    el('label', {}, `${b.label}：${b.needsText}`, input),
    el('button', {
      type: 'button',
      class: 'primary',
      text: '确定',
      'data-testid': 'needs-text-submit',
      onclick: submit,
    }),
    el('button', { type: 'button', text: '取消', 'data-testid': 'needs-text-cancel', onclick: close }),
  );
  ask.hidden = false;
  for (const other of ask.parentElement.querySelectorAll('[aria-expanded]'))
    other.setAttribute('aria-expanded', 'false');
  button.setAttribute('aria-expanded', 'true');
  input.focus();
}

function renderForm(form, r, view, card, off) {
  const f = el('form', { class: 'card-form', 'data-testid': 'card-form' });
  for (const field of form.fields) {
    const common = {
      name: field.name,
      'data-testid': `form-field-${field.name}`,
      required: field.required,
      disabled: off,
    };
    let control;
    if (field.type === 'select') {
      control = el(
        'select',
        common,
        (field.options ?? []).map((o) => el('option', { value: o.value, text: o.label })),
      );
      if (field.initial !== undefined) control.value = field.initial;
    } else if (field.type === 'multiselect') {
      const chosen = new Set((field.initial ?? '').split(' '));
      control = el(
        'select',
        { ...common, multiple: true, size: Math.min(6, (field.options ?? []).length) },
        (field.options ?? []).map((o) =>
          el('option', { value: o.value, text: o.label, selected: chosen.has(o.value) }),
        ),
      );
    } else if (field.type === 'number') {
      control = el('input', {
        ...common,
        type: 'number',
        min: field.min,
        max: field.max,
        value: field.initial,
        placeholder: field.placeholder,
      });
    } else {
      control = el('input', {
        ...common,
        type: 'text',
        value: field.initial,
        placeholder: field.placeholder,
      });
    }
    f.append(el('label', { class: field.type === 'text' ? 'wide' : undefined }, field.label, control));
  }
  f.append(
    el('button', {
      class: 'primary',
      text: form.submitLabel || '提交',
      'data-testid': 'form-submit',
      disabled: off,
    }),
  );
  f.addEventListener('submit', (e) => {
    e.preventDefault();
    // a multiple select gives one entry per chosen option: joined by spaces, as the command takes them
    const values = {};
    for (const [k, v] of new FormData(f).entries()) values[k] = k in values ? `${values[k]} ${v}` : v;
    view.press(r, 'form', { form: values }, card);
  });
  return f;
}
