import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../common/errors.ts';
import { exportK6 } from '../../harness/k6/export.ts';
import { resolveScenario } from '../../harness/scenario/index.ts';

describe('k6 export of a carrier scenario', () => {
  it('is refused with a reason naming the file and field, before anything is written', async () => {
    const out = mkdtempSync(path.join(tmpdir(), 'rth-k6-carrier-'));
    try {
      const s = resolveScenario({ transport: 'telnyx', target: 'ws://127.0.0.1:5050/media-stream', turns_per_session: 1 }, { label: 'calls.yaml', path: null, dir: out });
      const err = await exportK6(s, { outDir: path.join(out, 'k6') }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as Error).message).toMatch(/^calls\.yaml: transport: the k6 export writes transport websocket scenarios only, got telnyx\. .*rth run/);
      expect(existsSync(path.join(out, 'k6'))).toBe(false);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});
