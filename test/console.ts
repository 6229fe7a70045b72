// Test-only: logging in to the console the way people do, through the simulator: a persona says
// 登录后台 in its chat, the bot answers it alone with a one-time link.
import { expect } from 'vitest';
import type { SimServer } from './sim-server.ts';

export interface SimPersona {
  id: string;
  name: string;
  roleCode: string;
  unit: string;
  chats: string[];
}

export async function persona(app: SimServer, pick: (p: SimPersona) => boolean): Promise<SimPersona> {
  const state = (await app.api('GET', '/sim/api/state')).body as { personas: SimPersona[] };
  const found = state.personas.find(pick);
  if (!found) throw new Error('no such persona');
  return found;
}

/** The path of a fresh login link for the persona, checked to be shown to it alone. */
export async function loginLink(app: SimServer, who: SimPersona): Promise<string> {
  const chat = who.chats[0];
  const said = await app.api('POST', `/sim/api/chats/${chat}/messages`, { from: who.id, text: '登录后台' });
  expect(said.body.result.status).toBe('handled');
  const { messages } = (await app.api('GET', `/sim/api/chats/${chat}/messages`)).body;
  const card = [...messages].reverse().find((m: any) => m.message?.kind === 'console_login');
  expect(card.to).toBe(who.id); // 仅你可见: the group does not see it
  return /\/console\/login\/[A-Za-z0-9_-]{43}/.exec(card.message.text)![0];
}

/** Presses the link's button: the session cookie, or the refusal's status and text. */
export async function useLink(app: SimServer, path: string) {
  const secret = path.split('/').pop()!;
  const res = await fetch(`${app.url}/console/login`, {
    method: 'POST',
    body: new URLSearchParams({ secret }),
    redirect: 'manual',
  });
  const setCookie = res.headers.get('set-cookie');
  return { status: res.status, cookie: setCookie?.split(';')[0], setCookie, text: await res.text() };
}

export async function getPage(app: SimServer, path: string, cookie?: string) {
  const res = await fetch(`${app.url}${path}`, { headers: cookie ? { cookie } : {}, redirect: 'manual' });
  return { status: res.status, text: await res.text() };
}
