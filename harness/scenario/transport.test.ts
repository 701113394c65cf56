import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../common/errors.ts';
import { exportK6 } from '../k6/export.ts';
import { TRANSPORT_KINDS } from '../transport/kinds.ts';
import { resolveScenario } from './resolve.ts';

const SRC = { label: 'rtc.yaml', path: null, dir: '/tmp' };

function problems(raw: Record<string, unknown>, overrides = {}): readonly string[] {
  try {
    resolveScenario(raw, SRC, overrides);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as ConfigError).problems;
  }
  throw new Error('expected a ConfigError');
}

describe('scenario field transport', () => {
  it('defaults to websocket and accepts every listed kind', () => {
    expect(resolveScenario({}, SRC).transport).toBe('websocket');
    for (const kind of TRANSPORT_KINDS) {
      // The carriers call a bridge, so they need its media-stream URL as the target.
      const target = kind === 'twilio' || kind === 'telnyx' ? { target: 'ws://127.0.0.1:8080/media-stream' } : {};
      expect(resolveScenario({ transport: kind, ...target }, SRC).transport).toBe(kind);
    }
  });

  it('--transport overrides the file', () => {
    expect(resolveScenario({ transport: 'websocket' }, SRC, { transport: 'webrtc' }).transport).toBe('webrtc');
  });

  it('an unknown value names the field (or the flag) and lists the allowed values', () => {
    expect(problems({ transport: 'smoke-signals' })).toEqual([expect.stringMatching(/^rtc\.yaml: transport: expected one of websocket, webrtc, twilio, telnyx, sip/)]);
    expect(problems({}, { transport: 'carrier-pigeon' })).toEqual([expect.stringMatching(/^--transport: transport: expected one of websocket, webrtc, twilio, telnyx, sip/)]);
  });

  it('webrtc: realtime sessions only, PCM16 clips, 20 ms packets', () => {
    expect(problems({ transport: 'webrtc', kind: 'transcription', efforts: ['none'] })).toEqual([expect.stringMatching(/transport: webrtc applies to kind realtime only, got kind transcription/)]);
    expect(problems({ transport: 'webrtc', audio_format: 'pcmu' })).toEqual([expect.stringMatching(/audio_format: expected pcm16 with transport webrtc/)]);
    expect(problems({ transport: 'webrtc', chunk_ms: 40 })).toEqual([expect.stringMatching(/chunk_ms: expected 20 with transport webrtc/)]);
  });
});

describe('rth k6 export with transport webrtc', () => {
  it('refuses, saying that k6 has no WebRTC, before writing anything', async () => {
    const out = mkdtempSync(path.join(tmpdir(), 'rth-k6-rtc-'));
    try {
      const scenario = resolveScenario({ transport: 'webrtc' }, SRC);
      const err = await exportK6(scenario, { outDir: path.join(out, 'k6') }).then(() => null, (e: unknown) => e);
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as Error).message).toMatch(/rtc\.yaml: transport: k6 has no WebRTC/);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});
