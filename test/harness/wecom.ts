// Test-only: a district with WeCom groups, the service's environment for the fake WeCom, and
// helpers to post signed, encrypted callbacks the way WeCom does.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { type District, defaultDistrictPath, parseDistrict } from '../../config/district.ts';
import type { FakeWecom } from '../fakes/wecom-api.ts';

export const GROUPS = {
  community: 'wrCommunityChenhui',
  street: 'wrStreetJinhualu',
  cgw: 'wrDeptCgw',
  office: 'wrOffice',
} as const;
export const USERS = {
  staff: 'LiangYiLi',
  liaison: 'CgwLi',
  head: 'CgwHead',
  office: 'OfficeDuty',
  resident: 'wmResident01',
};

/** The sample district, its people given WeCom userids and its units WeCom groups: the
 * district, and the file that holds it (for a server reading HUYING_CONFIG). */
export function wecomDistrict(): { district: District; file: string } {
  const doc = parseYaml(readFileSync(defaultDistrictPath, 'utf8')) as {
    chats: Record<string, string>[];
    people: Record<string, unknown>[];
  };
  doc.chats.push(
    { platform: 'wecom', chat_id: GROUPS.community, unit: 'jinhualu/chenhui', role: 'community' },
    { platform: 'wecom', chat_id: GROUPS.street, unit: 'jinhualu', role: 'street' },
    { platform: 'wecom', chat_id: GROUPS.cgw, unit: 'cgw', role: 'department' },
    { platform: 'wecom', chat_id: GROUPS.office, unit: 'office', role: 'office' },
  );
  const ids: Record<string, string> = {
    梁益莉: USERS.staff,
    城管联络员: USERS.liaison,
    城管负责人: USERS.head,
    呼应办值班: USERS.office,
  };
  for (const p of doc.people) if (ids[p.name as string]) p.ids = { wecom: ids[p.name as string] };
  const file = join(mkdtempSync(join(tmpdir(), 'huying-wecom-')), 'district.json');
  writeFileSync(file, JSON.stringify(doc));
  return { district: parseDistrict(doc, 'wecom test district'), file };
}

/** The variables that switch WeCom on against the fake, every group with its webhook. */
export function wecomEnv(fake: FakeWecom): Record<string, string> {
  for (const g of Object.values(GROUPS)) fake.addGroup(g);
  return {
    WECOM_TOKEN: fake.token,
    WECOM_ENCODING_AES_KEY: fake.aesKey,
    WECOM_BOT_ID: fake.botId,
    WECOM_GROUP_WEBHOOKS: fake.webhooks(),
    WECOM_API_BASE: fake.url,
  };
}
