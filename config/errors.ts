// Configuration errors: a list of plain-words problems, printed on one screen at start.
import type { z } from 'zod';

export class ConfigError extends Error {
  readonly code = 'config_invalid';
  constructor(
    readonly source: string,
    readonly problems: string[],
  ) {
    super(`${source} is invalid:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Turns zod issues into "path: message" lines, the path written as it appears in the file. */
export function describeIssues(issues: z.core.$ZodIssue[]): string[] {
  return issues.map((i) => {
    const path = i.path.length
      ? i.path
          .map((p, n) => (typeof p === 'number' ? `[${p}]` : n === 0 ? String(p) : `.${String(p)}`))
          .join('')
      : '(top level)';
    return `${path}: ${i.message}`;
  });
}
