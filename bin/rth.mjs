#!/usr/bin/env node
// Entry point of the `rth` command. The sources are TypeScript run through tsx's loader, so
// `npm ci` is the only setup step: there is no build output that could go stale.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../harness/cli/main.ts');
process.exitCode = await main(process.argv);
