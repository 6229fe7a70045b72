#!/usr/bin/env node
// The `huying` command: loads the TypeScript entry point in this process through tsx, so
// signals (SIGTERM for a graceful stop) reach the service directly.
import { register } from 'tsx/esm/api';

register();
const { run } = await import('../bot/cli.ts');
await run(process.argv.slice(2));
