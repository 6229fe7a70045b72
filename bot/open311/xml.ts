// A small XML writer for Open311 documents: plain values in, a UTF-8 document out. Lists
// follow the spec's Spark convention (JSON array ↔ wrapper element with one child each).

export type XmlValue =
  | string
  | number
  | boolean
  | null
  | undefined
  | XmlValue[]
  | { [key: string]: XmlValue };

/** The child element name of each list, as the GeoReport v2 documents name them. */
export const LIST_ITEMS: Record<string, string> = {
  services: 'service',
  service_requests: 'request',
  service_request_updates: 'request_update',
  attributes: 'attribute',
  values: 'value',
  errors: 'error',
  endpoints: 'endpoint',
  formats: 'format',
};

// Characters XML 1.0 cannot carry at all (C0 controls except tab/LF/CR, lone surrogates,
// U+FFFE/U+FFFF): dropped rather than emitted as a document no parser accepts.
const NOT_XML =
  /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** Escapes text for element content and attribute values. */
export function escapeXml(text: string): string {
  return (
    text
      .replace(NOT_XML, '')
      .replace(/&/g, '&amp;')
      .replace(/</g, '&lt;')
      .replace(/>/g, '&gt;')
      .replace(/"/g, '&quot;')
      .replace(/'/g, '&apos;')
      // a parser turns a literal CR into LF; as a reference it survives
      .replace(/\r/g, '&#13;')
  );
}

const NAME = /^[A-Za-z_][A-Za-z0-9_.-]*$/;

function element(name: string, value: XmlValue): string {
  if (!NAME.test(name)) throw new Error(`not an XML element name: ${name}`);
  if (value === null || value === undefined || value === '') return `<${name}/>`;
  if (Array.isArray(value)) {
    const item = LIST_ITEMS[name];
    if (!item) throw new Error(`no item element name for the list ${name}`);
    return value.length ? `<${name}>${value.map((v) => element(item, v)).join('')}</${name}>` : `<${name}/>`;
  }
  if (typeof value === 'object') {
    const inner = Object.entries(value)
      .map(([k, v]) => element(k, v))
      .join('');
    return inner ? `<${name}>${inner}</${name}>` : `<${name}/>`;
  }
  const text = typeof value === 'number' && !Number.isFinite(value) ? '' : escapeXml(String(value));
  return text ? `<${name}>${text}</${name}>` : `<${name}/>`;
}

/** A whole document, compact as in the spec's error example: declaration, then the root element. */
export function xmlDocument(root: string, value: XmlValue): string {
  return `<?xml version="1.0" encoding="utf-8"?>${element(root, value)}`;
}
