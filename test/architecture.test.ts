// The design's promises held against the code (ARCHITECTURE.md, DEVELOPERS.md): imports point
// down the layers and never along a forbidden arrow; no file imports itself round a loop (type
// imports included); production code imports no test file; and no platform is named outside its
// adapter folder in bot/.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const LAYERS = ['config', 'db', 'handlers', 'jobs', 'bot'] as const;
type Layer = (typeof LAYERS)[number];
/** what each layer may import of ours (ARCHITECTURE.md's table) */
const MAY: Record<Layer, Layer[]> = {
  config: [],
  db: ['config'],
  handlers: ['db', 'config'],
  jobs: ['handlers', 'db', 'config'],
  bot: ['handlers', 'jobs', 'db', 'config'],
};
const isTest = (f: string) => /\.test\.ts$/.test(f) || f.startsWith('test/');

function files(dir: string): string[] {
  return readdirSync(join(ROOT, dir)).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(join(ROOT, path)).isDirectory()) return files(path);
    return /\.(ts|js)$/.test(name) ? [path] : [];
  });
}

const SOURCES = LAYERS.flatMap((l) => files(l)).filter((f) => !isTest(f));
const IMPORT =
  /(?:import|export)\s+(?:type\s+)?(?:[^'";]*?\s+from\s+)?['"](\.[^'"]+)['"]|import\(\s*['"](\.[^'"]+)['"]\s*\)/g;

/** file → the files of ours it imports (static, type-only and dynamic imports alike) */
const GRAPH = new Map<string, string[]>(
  SOURCES.map((f) => {
    const text = readFileSync(join(ROOT, f), 'utf8');
    const targets = [...text.matchAll(IMPORT)].map((m) => normalize(join(dirname(f), m[1] ?? m[2])));
    return [f, targets];
  }),
);
const layerOf = (f: string) => f.split('/')[0] as Layer;

describe('the design held against the code', () => {
  it('imports point down the layers, along allowed arrows only', () => {
    const wrong: string[] = [];
    for (const [from, targets] of GRAPH)
      for (const to of targets) {
        if (isTest(to)) continue; // checked below
        const a = layerOf(from);
        const b = layerOf(to);
        if (a !== b && !MAY[a].includes(b)) wrong.push(`${from} → ${to}`);
      }
    expect(wrong).toEqual([]);
  });

  it("holds the whiteboard's arrows and nevers, where the whiteboard stands beside the repository", () => {
    // ../shared/architecture/whiteboard.json: parts (folders), arrows allowed, arrows never allowed
    const path = join(ROOT, '..', 'shared', 'architecture', 'whiteboard.json');
    if (!existsSync(path)) return; // a clone on its own: the table above holds the same layers
    const board = JSON.parse(readFileSync(path, 'utf8')) as {
      parts: Record<string, { is: string[] }>;
      arrows: [string, string][];
      never: [string, string, string][];
    };
    const partOf = (f: string) =>
      Object.entries(board.parts).find(([, p]) => p.is.some((dir) => f.startsWith(dir)))?.[0];
    const allowed = new Set(board.arrows.map(([a, b]) => `${a}→${b}`));
    const never = new Map(board.never.map(([a, b, why]) => [`${a}→${b}`, why]));
    const wrong: string[] = [];
    for (const [from, targets] of GRAPH)
      for (const to of targets) {
        const a = partOf(from);
        const b = partOf(to);
        if (!a || !b || a === b || isTest(to)) continue;
        const arrow = `${a}→${b}`;
        if (never.has(arrow)) wrong.push(`${from} → ${to}: never ${arrow} (${never.get(arrow)})`);
        else if (!allowed.has(arrow)) wrong.push(`${from} → ${to}: ${arrow} is not on the whiteboard`);
      }
    expect(wrong).toEqual([]);
  });

  it('no file imports itself round a loop, type imports included', () => {
    const loops: string[] = [];
    const state = new Map<string, 'open' | 'done'>();
    const stack: string[] = [];
    const visit = (f: string) => {
      state.set(f, 'open');
      stack.push(f);
      for (const t of GRAPH.get(f) ?? []) {
        if (!GRAPH.has(t)) continue;
        if (state.get(t) === 'open') loops.push([...stack.slice(stack.indexOf(t)), t].join(' → '));
        else if (!state.has(t)) visit(t);
      }
      stack.pop();
      state.set(f, 'done');
    };
    for (const f of GRAPH.keys()) if (!state.has(f)) visit(f);
    expect(loops).toEqual([]);
  });

  it('production code imports no test file', () => {
    const wrong = [...GRAPH].flatMap(([from, targets]) =>
      targets.filter(isTest).map((t) => `${from} → ${t}`),
    );
    expect(wrong).toEqual([]);
  });

  it('names no platform outside bot/: the mechanism, the jobs, the storage and the configuration know none', () => {
    const PLATFORM = /\b(lark|wechat|wechaty|wecom|sim)\b/i;
    const wrong: string[] = [];
    for (const f of SOURCES.filter((f) => layerOf(f) !== 'bot' && !f.includes('/migrations/'))) {
      const lines = readFileSync(join(ROOT, f), 'utf8').split('\n');
      lines.forEach((line, i) => {
        if (PLATFORM.test(line) && !/^\s*(\/\/|\*|\/\*)/.test(line))
          wrong.push(`${f}:${i + 1}: ${line.trim()}`);
      });
    }
    expect(wrong).toEqual([]);
  });
});
