// After a run against the fake Lark Open API: did every outbox row reach it exactly once? For
// the kill and flood tests and benchmarks, and the crash tests (the fake deduplicates on uuid,
// as Lark does for an hour, so a resend after a lost answer counts once).
import { larkUuid } from '../bot/lark/sender.ts';
import type { Db } from '../db/connect.ts';
import type { FakeLark } from './fakes/lark-open-api.ts';

/**
 * Every outbox row of the Lark chats reached the fake API exactly once: by its own uuid, or
 * (merged under a flood) inside the message of the row it was merged into, whose uuid is there
 * once; and nothing reached it that no row asked for. A private answer goes by Lark's ephemeral
 * route, which takes no uuid: those are counted per chat and person, at least once, and exactly
 * once unless a process was killed mid-send (`privateRepeats`: a resend may show it twice to
 * the one person it is for).
 */
export async function checkEveryRowOnce(
  db: Db,
  fake: FakeLark,
  o: { privateRepeats?: boolean } = {},
): Promise<string[]> {
  const problems: string[] = [];
  const all = await db
    .selectFrom('outbox as o')
    .leftJoin('calls as c', 'c.id', 'o.call_id')
    .select([
      'o.id',
      'o.kind',
      'o.state',
      'o.idempotency_key',
      'o.merged_into',
      'o.payload',
      'o.chat_id',
      'c.no',
    ])
    .where('o.platform', '=', 'lark')
    .where('o.kind', '=', 'message')
    .orderBy('o.id')
    .execute();
  const privateTo = (r: (typeof all)[number]) => (r.payload as { privateTo?: string }).privateTo;
  const rows = all.filter((r) => !privateTo(r));
  const wanted = new Map<string, number>();
  for (const r of all.filter(privateTo)) {
    if (r.state !== 'sent') problems.push(`private row ${r.id} (${r.no ?? 'no call'}) is ${r.state}`);
    const key = `${r.chat_id} ${privateTo(r)}`;
    wanted.set(key, (wanted.get(key) ?? 0) + 1);
  }
  const shown = new Map<string, number>();
  for (const e of fake.ephemeral) {
    const key = `${e.chat_id} ${e.open_id}`;
    shown.set(key, (shown.get(key) ?? 0) + 1);
  }
  for (const [who, n] of wanted) {
    const got = shown.get(who) ?? 0;
    if (got < n || (got > n && !o.privateRepeats))
      problems.push(`${n} private answers to ${who}, ${got} reached the API`);
  }
  const byUuid = new Map<string, number>();
  for (const s of fake.sent) if (s.uuid) byUuid.set(s.uuid, (byUuid.get(s.uuid) ?? 0) + 1);
  const keyOf = new Map(rows.map((r) => [r.id, larkUuid(r.idempotency_key)]));
  const heads = new Set<string>();
  for (const r of rows) {
    if (r.state !== 'sent') {
      problems.push(`row ${r.id} (${r.no ?? 'no call'}) is ${r.state}`);
      continue;
    }
    const head = r.merged_into && r.merged_into !== r.id ? r.merged_into : r.id;
    heads.add(keyOf.get(head)!);
    const n = byUuid.get(keyOf.get(head)!) ?? 0;
    if (n !== 1) problems.push(`row ${r.id}: its message (uuid of row ${head}) reached the API ${n} times`);
    else if (head !== r.id && r.no) {
      const message = fake.sent.find((s) => s.uuid === keyOf.get(head));
      if (!JSON.stringify(message?.content).includes(r.no))
        problems.push(`row ${r.id} was merged into row ${head}, whose message does not name ${r.no}`);
    }
  }
  for (const u of byUuid.keys()) if (!heads.has(u)) problems.push(`a message no row asked for: uuid ${u}`);
  if (fake.sent.length !== byUuid.size)
    problems.push('a message without a uuid, or the fake recorded one twice');
  return problems;
}
