// Frequencies and IDF values from jieba's own word lists, looked up once per word per process.
import { dict, idf } from '@node-rs/jieba/dict.js';

// Looked-up numbers (NaN: not in the file), kept so a second parser need not rescan 11 MB.
const SLICE = 64 * 1024;
const NEWLINE = 0x0a;

const looked = { dict: new Map<string, number>(), idf: new Map<string, number>() };

/** The number after each of `words` in a jieba word list (dict.txt: frequency; idf.txt: IDF). */
export function lookUp(list: 'dict' | 'idf', words: Set<string>): Map<string, number> {
  const cache = looked[list];
  const missing = new Set([...words].filter((w) => !cache.has(w)));
  if (missing.size) {
    for (const w of missing) cache.set(w, Number.NaN);
    const file = list === 'dict' ? dict : idf;
    // read in slices ending at a line's end: never the whole list as one string, whose garbage
    // would grow the heap for good (the process keeps what it grew)
    const decoder = new TextDecoder();
    for (let start = 0; start < file.length; ) {
      let end = Math.min(file.length, start + SLICE);
      while (end < file.length && file[end - 1] !== NEWLINE) end++;
      for (const line of decoder.decode(file.subarray(start, end)).split('\n')) {
        const sp = line.indexOf(' ');
        if (sp > 0 && missing.has(line.slice(0, sp)))
          cache.set(line.slice(0, sp), Number.parseFloat(line.slice(sp + 1)));
      }
      start = end;
    }
  }
  const out = new Map<string, number>();
  for (const w of words) if (!Number.isNaN(cache.get(w))) out.set(w, cache.get(w)!);
  return out;
}
