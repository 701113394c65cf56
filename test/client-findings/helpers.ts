/**
 * Helpers of the client-findings socket tests: a fast mock with a findings collector, and the
 * report once every session has ended.
 */
import { monotonicClock } from '../../common/clock.ts';
import { ClientFindings, type ClientFindingsReport, type MockServerHandle, type MockServerOptions } from '../../mock-server/index.ts';
import { startFastServer } from '../mock/helpers.ts';

/** A running mock with its collector. */
export interface JudgedMock {
  server: MockServerHandle;
  findings: ClientFindings;
  /** Closes the mock (ending every session) and returns the final report. */
  finish(): Promise<ClientFindingsReport>;
}

export async function startJudgedMock(opts: MockServerOptions = {}): Promise<JudgedMock> {
  const findings = new ClientFindings({ clock: monotonicClock });
  const server = await startFastServer({ ...opts, clientFindings: findings });
  return {
    server,
    findings,
    finish: async () => {
      await server.close();
      return findings.finish();
    },
  };
}

/** Rule ids of a report's findings. */
export function rulesOf(report: ClientFindingsReport): string[] {
  return [...new Set(report.findings.map((f) => f.rule))].sort();
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
