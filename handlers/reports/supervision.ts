// Supervision of the streets (督查): for a period, each street's calls with how often they
// were returned as mis-routed and reopened, and the street's call accuracy.
import { unitName } from '../cards/fields.ts';
import type { Ctx } from '../context.ts';
import { Refusal } from '../errors.ts';
import { emptyRates, type Period, type Ratio } from './measures.ts';
import { ratesBy } from './rates.ts';

export interface SupervisedCall {
  no: string;
  text: string;
  state: string;
  tier: string;
  emergency: boolean;
  createdAt: string;
  /** `returned` timeline events before the period's end */
  returns: number;
  /** `reopened` timeline events before the period's end */
  reopens: number;
  spotChecked: boolean;
}

export interface StreetSupervision {
  code: string;
  name: string;
  /** the period's calls (merged and cancelled ones excluded) */
  calls: number;
  callsMade: number;
  returnedCalls: number;
  callAccuracy: Ratio;
  returns: number;
  reopens: number;
  list: SupervisedCall[];
}

/** Every street (or the one named), with its calls of the period, oldest first. */
export async function supervision(ctx: Ctx, p: Period, street?: string): Promise<StreetSupervision[]> {
  const d = ctx.district;
  if (street && d.units.get(street)?.kind !== 'street') {
    const byName = d.streets.find((s) => s.name === street);
    if (!byName) throw new Refusal('unknown_unit', `没有找到街道“${street}”`);
    street = byName.code;
  }
  const [calls, rates] = await Promise.all([
    ctx.db
      .selectFrom('calls as c')
      .select([
        'c.no',
        'c.text',
        'c.state',
        'c.tier',
        'c.emergency',
        'c.created_at',
        'c.spot_check',
        'c.street_code',
      ])
      .select((eb) => {
        const count = (kind: string) =>
          eb
            .selectFrom('call_events as e')
            .select(eb.fn.countAll<string>().as('n'))
            .whereRef('e.call_id', '=', 'c.id')
            .where('e.kind', '=', kind)
            .where('e.at', '<', p.to);
        return [count('returned').as('returns'), count('reopened').as('reopens')];
      })
      .where('c.created_at', '>=', p.from)
      .where('c.created_at', '<', p.to)
      .where('c.state', 'not in', ['merged', 'cancelled'])
      .$if(!!street, (q) => q.where('c.street_code', '=', street!))
      .orderBy('c.created_at')
      .orderBy('c.id')
      .execute(),
    ratesBy(ctx.db, p, 'street'),
  ]);
  return d.streets
    .filter((s) => !street || s.code === street)
    .map((s) => {
      const r = rates.get(s.code) ?? emptyRates();
      const list = calls
        .filter((c) => c.street_code === s.code)
        .map(
          (c): SupervisedCall => ({
            no: c.no,
            text: c.text,
            state: c.state,
            tier: c.tier,
            emergency: c.emergency,
            createdAt: new Date(c.created_at).toISOString(),
            returns: Number(c.returns ?? 0),
            reopens: Number(c.reopens ?? 0),
            spotChecked: c.spot_check,
          }),
        );
      return {
        code: s.code,
        name: unitName(d, s.code),
        calls: r.calls,
        callsMade: r.callAccuracy.den,
        returnedCalls: r.callAccuracy.returned,
        callAccuracy: r.callAccuracy,
        returns: list.reduce((n, c) => n + c.returns, 0),
        reopens: list.reduce((n, c) => n + c.reopens, 0),
        list,
      };
    });
}
