#!/usr/bin/env node
// Entry point of the `rth` command. The sources are TypeScript run through tsx's loader, so
// `npm ci` is the only setup step: there is no build output that could go stale.
import { register } from 'tsx/esm/api';

register();
// GC settings for steady latency under load (harness/gc-tuning.ts), before any real work.
const { applyLatencyGcFlags } = await import('../harness/gc-tuning.ts');
applyLatencyGcFlags();
const { main } = await import('../harness/cli/main.ts');
process.exitCode = await main(process.argv);
