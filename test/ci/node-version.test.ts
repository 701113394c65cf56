/**
 * `.ci/run` runs the suite once per Node version and sets RTH_EXPECT_NODE_VERSION to the version
 * that pass is meant to use. This checks that the tests, and the children they start the two ways
 * the suite starts them (`process.execPath`, and `node` from PATH), really run on it. Without the
 * variable (a plain `npm test`) there is nothing to compare against, so the check is skipped.
 */
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

const expected = process.env['RTH_EXPECT_NODE_VERSION'];

describe('the Node version of a CI pass', () => {
  it.skipIf(!expected)('the test workers and their children run on the pass version', () => {
    const childVersion = (cmd: string): string => execFileSync(cmd, ['-p', 'process.version'], { encoding: 'utf8' }).trim();
    expect({ worker: process.version, execPathChild: childVersion(process.execPath), pathChild: childVersion('node') }).toEqual({
      worker: expected,
      execPathChild: expected,
      pathChild: expected,
    });
  });
});
