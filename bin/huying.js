#!/usr/bin/env node
// The `huying` command. It runs the compiled service in dist/ (`npm run build`) when that is newer
// than every source file, else loads the TypeScript entry point through tsx; either way in this
// process, so signals (SIGTERM for a graceful stop) reach the service directly.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const stamp = join(root, 'dist', '.built');

/** whether a source file (or folder) changed after dist/ was built */
function newerThan(dir, since) {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, e.name);
    if (statSync(path).mtimeMs > since) return true;
    if (e.isDirectory() && newerThan(path, since)) return true;
  }
  return false;
}

// HUYING_FROM_SOURCES=1 runs the sources whatever dist/ holds
const built =
  process.env.HUYING_FROM_SOURCES !== '1' &&
  existsSync(stamp) &&
  !['bot', 'handlers', 'jobs', 'db', 'config'].some((d) => newerThan(join(root, d), statSync(stamp).mtimeMs));
let run;
if (built) ({ run } = await import('../dist/bot/cli.js'));
else {
  const { register } = await import('tsx/esm/api');
  register();
  ({ run } = await import('../bot/cli.ts'));
}
await run(process.argv.slice(2));
