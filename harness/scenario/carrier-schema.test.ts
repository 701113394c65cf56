import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../common/errors.ts';
import { resolveScenario } from './resolve.ts';
import { SCENARIO_TRANSPORTS } from './schema.ts';

const source = { label: 'calls.yaml', path: '/x/calls.yaml', dir: '/x', cwd: '/w' };
function problems(raw: Record<string, unknown>, overrides = {}): string[] {
  try {
    resolveScenario(raw, source, overrides);
    return [];
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    return e.message.split('\n');
  }
}

describe('carrier fields of a scenario', () => {
  it('resolves a Twilio scenario: bridge_cmd runs in the file’s folder, --bridge-cmd where the user is', () => {
    const s = resolveScenario({ transport: 'twilio', target: 'ws://127.0.0.1:5050/media-stream', bridge_cmd: 'node b.js', turns_per_session: 1 }, source);
    expect(s.transport).toBe('twilio');
    expect(s.carrier).toMatchObject({ transport: 'twilio', streamUrl: 'ws://127.0.0.1:5050/media-stream', twimlUrl: null, bridgeCmd: 'node b.js', bridgeCwd: '/x', codec: 'PCMU' });
    const f = resolveScenario({ transport: 'twilio', target: 'ws://h:1/m' }, source, { bridgeCmd: 'node server.js' });
    expect(f.carrier).toMatchObject({ bridgeCmd: 'node server.js', bridgeCwd: '/w' });
    expect(resolveScenario({}, source).carrier).toBeNull();
    expect(SCENARIO_TRANSPORTS).toContain('websocket');
  });

  it('names the file and field of each mistake', () => {
    expect(problems({ transport: 'twilio' })).toContain("calls.yaml: target: expected the bridge's media-stream URL (ws://HOST:PORT/media-stream) or twiml_url for transport twilio, got 'mock'");
    expect(problems({ transport: 'twilio', target: 'ws://h/m', carrier: { codec: 'L16' } })).toContain('calls.yaml: carrier.codec: expected PCMU for transport twilio (Media Streams carry μ-law 8 kHz only), got L16');
    expect(problems({ transport: 'telnyx', twiml_url: 'http://h/x' })).toContain('calls.yaml: twiml_url: applies to transport twilio only (TwiML), got transport telnyx');
    expect(problems({ transport: 'twilio', target: 'ws://h/m', twiml_url: 'http://h/x' })).toContain('calls.yaml: target: expected either target (the media-stream URL) or twiml_url, not both');
    expect(problems({ bridge_cmd: 'x' })).toContain('calls.yaml: bridge_cmd: applies to transport twilio, telnyx or sip only, got transport websocket');
    expect(problems({ transport: 'pigeon' })[0]).toMatch(/^calls\.yaml: transport: /);
    expect(problems({ transport: 'telnyx', target: 'ws://h/m', carrier: { dtmf: [{ digit: 'x', at_ms: 1 }] } })[0]).toMatch(/^calls\.yaml: carrier\.dtmf\[0\]\.digit: expected one DTMF digit/);
    expect(problems({ transport: 'twilio', target: 'ws://h/m', workers: 2 })).toContain('calls.yaml: workers: expected 1 for transport twilio (carrier calls run on one thread), got 2');
  });
});
