/** Runs one session driver against FakeServers on a manual clock: the shared setup of the driver test files. */
import { ManualClock } from '../../common/clock.ts';
import type { SessionPlan, TurnResult } from '../../harness/contract.ts';
import type { ParsedEvent } from '../../harness/protocol/server-events.ts';
import { runSession, type SessionDeps } from '../../harness/session/driver.ts';
import type { ScriptedTransport } from '../../harness/transport/scripted-transport.ts';
import { FakeServer, runUntilSettled, TestPacer, type FakeServerOptions } from './fake-server.ts';

/**
 * Starts `plan` with a fresh FakeServer per connection. `opts` may depend on the connection's
 * index (reconnect tests). `startUs` is the manual clock's start (default 0).
 */
export function startScriptedSession(
  plan: SessionPlan,
  opts: FakeServerOptions | ((connection: number) => FakeServerOptions) = {},
  deps: Partial<SessionDeps> = {},
  startUs = 0,
) {
  const clock = new ManualClock(startUs);
  const servers: FakeServer[] = [];
  const transports: ScriptedTransport[] = [];
  const turns: TurnResult[] = [];
  const events: ParsedEvent[] = [];
  const promise = runSession(plan, {
    clock,
    pacer: new TestPacer(clock),
    onTurn: (t) => turns.push(t),
    onEvent: (e) => events.push(e),
    transportFactory: () => {
      const s = new FakeServer(clock, typeof opts === 'function' ? opts(servers.length) : opts);
      servers.push(s);
      const t = s.transport();
      transports.push(t);
      return t;
    },
    ...deps,
  });
  return { clock, servers, transports, turns, events, promise, run: () => runUntilSettled(clock, promise) };
}
