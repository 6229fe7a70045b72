// Open311 answers in the format the URL asks for (.xml or .json), and the spec's error
// documents with the right HTTP status; client mistakes never become a 500.
import type { Context } from 'hono';
import { type XmlValue, xmlDocument } from './xml.ts';

export type Format = 'xml' | 'json';

/** A client mistake: 400 (bad input), 403 (api_key), 404 (no such thing). */
export class Open311Error extends Error {
  constructor(
    readonly status: 400 | 403 | 404,
    readonly description: string,
  ) {
    super(description);
    this.name = 'Open311Error';
  }
}

export const badRequest = (description: string) => new Open311Error(400, description);
export const notFound = (description: string) => new Open311Error(404, description);

/** "services.json" → { name: 'services', format: 'json' }; no or another extension → null. */
export function splitFormat(file: string): { name: string; format: Format } | null {
  const m = /^(.+)\.(xml|json)$/i.exec(file);
  return m ? { name: m[1], format: m[2].toLowerCase() as Format } : null;
}

const CONTENT_TYPE: Record<Format, string> = {
  xml: 'text/xml; charset=utf-8',
  json: 'application/json; charset=utf-8',
};

/** A document: `root` names the XML root element; JSON is the value itself (Spark convention). */
export function document(
  c: Context,
  format: Format,
  root: string,
  value: XmlValue,
  status: 200 | 400 | 403 | 404 | 500 = 200,
): Response {
  const body = format === 'xml' ? xmlDocument(root, value) : JSON.stringify(value);
  return c.body(body, status, { 'Content-Type': CONTENT_TYPE[format] });
}

export function errorDocument(
  c: Context,
  format: Format,
  status: 400 | 403 | 404 | 500,
  description: string,
) {
  return document(c, format, 'errors', [{ code: status, description }], status);
}
