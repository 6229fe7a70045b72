// The service side of Open311: discovery, the service list from the catalog
// (《综合性事项清单》) and each service's definition (street, community, emergency).
import type { CatalogItemConfig, District } from '../../config/district.ts';
import { TIER_NAMES } from '../../handlers/calls.ts';
import { unitName } from '../../handlers/cards/fields.ts';
import { modeOf } from '../../handlers/modes.ts';
import { notFound } from './respond.ts';
import type { XmlValue } from './xml.ts';

export const SPECIFICATION = 'http://wiki.open311.org/GeoReport_v2';

export function discovery(d: District, endpointUrl: string, changeset: string): XmlValue {
  return {
    changeset,
    contact: `${d.office.name}（呼应办）`,
    key_service: `api_key 由${d.office.name}发放，请联系呼应办申请。Ask the office (呼应办) for an api_key.`,
    endpoints: [
      {
        specification: SPECIFICATION,
        url: endpointUrl,
        changeset,
        type: 'production',
        formats: ['text/xml', 'application/json'],
      },
    ],
  };
}

function describeService(d: District, item: CatalogItemConfig): string {
  const tier = TIER_NAMES[item.tier] ?? item.tier;
  const who = item.lead
    ? `${unitName(d, item.lead)}牵头${item.co.length ? `，${item.co.map((u) => unitName(d, u)).join('、')}协办` : ''}`
    : modeOf(item.tier).selfHandled
      ? '街道自行处置'
      : '街道研判后确定承办部门';
  return `${item.name}：默认${tier}，${who}。`;
}

export function serviceList(d: District): XmlValue {
  return d.catalog.map((item) => ({
    service_code: item.code,
    service_name: item.name,
    description: describeService(d, item),
    metadata: true,
    type: 'realtime',
    keywords: [...item.keywords, ...item.synonyms].join(','),
    group: item.tier,
  }));
}

export function findService(d: District, code: string): CatalogItemConfig {
  const item = d.catalogByCode.get(code);
  if (!item) throw notFound(`service_code not found: ${code}（没有这个事项类别）`);
  return item;
}

export const ATTRIBUTES = ['street', 'community', 'emergency'] as const;

export function serviceDefinition(d: District, item: CatalogItemConfig): XmlValue {
  return {
    service_code: item.code,
    attributes: [
      {
        variable: true,
        code: 'street',
        datatype: 'singlevaluelist',
        required: true,
        datatype_description: '街道代码 / street code',
        order: 1,
        description: '问题所在街道 / the street (sub-district) where the problem is',
        values: d.streets.map((s) => ({ key: s.code, name: s.name })),
      },
      {
        variable: true,
        code: 'community',
        datatype: 'singlevaluelist',
        required: false,
        datatype_description: '社区代码，须属于所选街道 / community code, within the street',
        order: 2,
        description: '问题所在社区 / the community (neighbourhood)',
        values: d.streets.flatMap((s) =>
          s.communities.map((c) => ({ key: c.code, name: `${s.name} ${c.name}` })),
        ),
      },
      {
        variable: true,
        code: 'emergency',
        datatype: 'singlevaluelist',
        required: false,
        datatype_description: 'true / false',
        order: 3,
        description: '是否紧急（有人员或财产危险）/ an emergency: people or property in danger',
        values: [
          { key: 'true', name: '是 / yes' },
          { key: 'false', name: '否 / no' },
        ],
      },
    ],
  };
}
