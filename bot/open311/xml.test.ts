// The XML writer: escaping, lists by the Spark convention, characters XML cannot carry.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseXml, toPlain } from '../../test/harness/open311.ts';
import { escapeXml, xmlDocument } from './xml.ts';

describe('xml', () => {
  it('writes the spec error document exactly', () => {
    expect(xmlDocument('errors', [{ code: 403, description: 'Invalid api_key' }])).toBe(
      '<?xml version="1.0" encoding="utf-8"?><errors><error><code>403</code><description>Invalid api_key</description></error></errors>',
    );
  });

  it('escapes markup and drops characters XML 1.0 forbids', () => {
    expect(escapeXml(`<a href="x">&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&amp;&apos;&lt;/a&gt;');
    expect(escapeXml('a\u0000b\u0007c\td\ne')).toBe('abc\td\ne');
    expect(escapeXml('x\uD800y')).toBe('xy');
    expect(escapeXml('😀 路灯')).toBe('😀 路灯');
    expect(escapeXml('a\r\nb')).toBe('a&#13;\nb');
  });

  it('maps lists to wrapper elements, null and empty to empty elements', () => {
    const doc = xmlDocument('service_requests', [
      { service_request_id: 'JJ-1', account_id: null, lat: 30.5, ok: true },
    ]);
    expect(doc).toContain(
      '<request><service_request_id>JJ-1</service_request_id><account_id/><lat>30.5</lat>',
    );
    expect(xmlDocument('services', [])).toBe('<?xml version="1.0" encoding="utf-8"?><services/>');
    expect(() => xmlDocument('things', [1])).toThrow(/no item element name/);
  });

  it('round-trips any text through a strict reader', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (s) => {
        const doc = xmlDocument('errors', [{ code: 400, description: s }]);
        const plain = toPlain(parseXml(doc)) as { description: string }[];
        expect(plain[0].description).toBe(escapeXmlText(s));
      }),
    );
  });
});

/** What survives: the text without the characters XML cannot carry. */
function escapeXmlText(s: string) {
  return escapeXml(s)
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&#13;/g, '\r')
    .replace(/&amp;/g, '&');
}
