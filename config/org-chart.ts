// The org chart: the kinds of units and roles, which unit a chat or a person of each role
// belongs to, and the units the district file names (office, leaders, streets with their
// communities, departments), by code.
export const UNIT_KINDS = ['office', 'leaders', 'street', 'community', 'department'] as const;
export type UnitKind = (typeof UNIT_KINDS)[number];
export const PERSON_ROLES = [
  'resident',
  'grid_worker',
  'street_staff',
  'street_head',
  'liaison',
  'department_head',
  'office_staff',
  'leader',
  'admin',
] as const;
export type PersonRole = (typeof PERSON_ROLES)[number];
export const CHAT_ROLES = ['community', 'street', 'department', 'office', 'leader'] as const;
export type ChatRole = (typeof CHAT_ROLES)[number];

/** Which unit kind a chat of each role belongs to. */
export const CHAT_ROLE_UNIT: Record<ChatRole, UnitKind> = {
  community: 'community',
  street: 'street',
  department: 'department',
  office: 'office',
  leader: 'leaders',
};

/** Which unit kinds a person of each role may belong to. */
export const ROLE_UNITS: Record<PersonRole, UnitKind[]> = {
  resident: ['community'],
  grid_worker: ['community', 'street'],
  street_staff: ['street'],
  street_head: ['street'],
  liaison: ['department'],
  department_head: ['department'],
  office_staff: ['office'],
  leader: ['leaders'],
  admin: ['office'],
};

export interface Unit {
  code: string;
  name: string;
  kind: UnitKind;
  /** the street of a community */
  parent: string | null;
}

interface Named {
  code: string;
  name: string;
}

/** The part of the district file the org chart is built from. */
export interface OrgChartFile {
  office: Named;
  leaders: Named;
  streets: (Named & { communities: Named[] })[];
  departments: Named[];
}

/** A unit reference in the file: a code, or "street/community". */
export function unitRef(d: OrgChartFile, ref: string): Unit | undefined {
  const [first, second] = ref.split('/');
  if (second !== undefined) {
    const street = d.streets.find((s) => s.code === first);
    const c = street?.communities.find((x) => x.code === second);
    return c && street ? { code: c.code, name: c.name, kind: 'community', parent: street.code } : undefined;
  }
  return buildUnits(d).get(ref);
}

export function buildUnits(d: OrgChartFile): Map<string, Unit> {
  const units = new Map<string, Unit>();
  units.set(d.office.code, { ...d.office, kind: 'office', parent: null });
  units.set(d.leaders.code, { ...d.leaders, kind: 'leaders', parent: null });
  for (const s of d.streets) {
    units.set(s.code, { code: s.code, name: s.name, kind: 'street', parent: null });
    for (const c of s.communities) units.set(c.code, { ...c, kind: 'community', parent: s.code });
  }
  for (const u of d.departments) units.set(u.code, { ...u, kind: 'department', parent: null });
  return units;
}

/** Resolves "street/community" references to plain unit codes once validated. */
export function unitCodeOf(ref: string): string {
  const i = ref.indexOf('/');
  return i === -1 ? ref : ref.slice(i + 1);
}
