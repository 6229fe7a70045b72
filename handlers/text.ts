// Text as people send it, made safe to keep: PostgreSQL refuses NUL in text and jsonb, and a
// lone UTF-16 surrogate in jsonb, so a report carrying one would never be recorded. Every edge
// cleans what it receives; the rest of the report is kept.
import { z } from 'zod';

// NUL and the other C0 controls but tab, newline and carriage return; DEL.
const CONTROLS = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** Strips NUL, other control characters and unpaired surrogates; normalises to NFC. */
export function cleanText(s: string): string {
  return s.replace(LONE_SURROGATE, '').replace(CONTROLS, '').normalize('NFC');
}

/** Every string in a parsed JSON value (keys included) cleaned; other values as they are. */
export function cleanDeep<T>(value: T): T {
  if (typeof value === 'string') return cleanText(value) as T;
  if (Array.isArray(value)) return value.map(cleanDeep) as T;
  if (value && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[cleanText(k)] = cleanDeep(v);
    return out as T;
  }
  return value;
}

/** A zod string that arrives cleaned. */
export const cleanString = () => z.string().transform(cleanText);
