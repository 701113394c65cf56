/**
 * Every probe passes against the bundled mock (through an identity relay, so the relay is not what
 * makes the failure cases fail), and every probe fails when the target answers wrongly in the one
 * way that probe is about: a relay in front of the mock rewrites, drops or re-codes exactly that.
 * Real sockets on 127.0.0.1:0; the mock's latency is scaled ×0.05; no assertion on speed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ProbeResult } from '../../harness/conformance/report.ts';
import type { Finding } from '../../harness/conformance/types.ts';
import { PROBE_CLIP_IDS } from '../../harness/conform/conform.ts';
import { PROBE_CHUNK_MS } from '../../harness/conform/probe-helpers.ts';
import { PROBES } from '../../harness/conform/probes.ts';
import { runProbes } from '../../harness/conform/run-probes.ts';
import { mockProbeTarget } from '../../harness/conform/target.ts';
import type { ProbeClips } from '../../harness/conform/types.ts';
import { BUNDLED_CORPUS_DIR, loadCorpus } from '../../harness/corpus/load-corpus.ts';
import { DEFAULT_LATENCY_PROFILE, scaleLatencyProfile } from '../../mock-server/latency-profile.ts';
import { startMockServer, type MockServerHandle } from '../../mock-server/server.ts';
import { startRelay, type Ev, type Misbehaviour } from './misbehaving-proxy.ts';

let clips: ProbeClips;
const mocks: Record<'main' | 'badKey' | 'expiry', MockServerHandle> = {} as never;

beforeAll(async () => {
  const loaded = await loadCorpus(BUNDLED_CORPUS_DIR, { format: { type: 'audio/pcm', rate: 24000 }, chunkMs: PROBE_CHUNK_MS, ids: [...PROBE_CLIP_IDS] });
  clips = { first: loaded.get(PROBE_CLIP_IDS[0])!, second: loaded.get(PROBE_CLIP_IDS[1])! };
  const latency = scaleLatencyProfile(DEFAULT_LATENCY_PROFILE, 0.05);
  mocks.main = await startMockServer({ port: 0, seed: 5, latency });
  mocks.badKey = await startMockServer({ port: 0, seed: 5, apiKey: 'sk-only-the-test-knows' });
  mocks.expiry = await startMockServer({ port: 0, seed: 5, maxSessionS: 1 });
});
afterAll(async () => {
  await Promise.all(Object.values(mocks).map((m) => m.close()));
});

/** Runs probes against relays (one per upstream) applying `m`. */
async function probeThrough(ids: readonly string[], m: Misbehaviour = {}, upstream: 'main' | 'badKey' | 'expiry' | null = null): Promise<{ results: ProbeResult[]; findings: Finding[] }> {
  const relay = (u: 'main' | 'badKey' | 'expiry'): Promise<Awaited<ReturnType<typeof startRelay>>> => startRelay(mocks[u].url, upstream === null || upstream === u ? m : {});
  const relays = { main: await relay('main'), badKey: await relay('badKey'), expiry: await relay('expiry') };
  try {
    const target = mockProbeTarget({ main: relays.main.url, badKey: relays.badKey.url, expiry: { url: relays.expiry.url, maxSessionS: 1 } });
    return await runProbes({ target, clips, probes: PROBES.filter((p) => ids.includes(p.id)), stepTimeoutMs: 2500, quietMs: 150, concurrency: 3 });
  } finally {
    await Promise.all(Object.values(relays).map((r) => r.close()));
  }
}

/** Rewrites `error` events with `code` by `f`. */
function onError(code: string, f: (e: Ev, err: Record<string, unknown>) => Ev | Ev[] | null): Misbehaviour {
  return {
    serverEvent: (e) => {
      const err = e['error'] as Record<string, unknown> | undefined;
      return e.type === 'error' && err?.['code'] === code ? f(e, err) : e;
    },
  };
}

describe('probes against the bundled mock', () => {
  it('all pass through an identity relay, with no passive findings', async () => {
    const { results, findings } = await probeThrough(PROBES.map((p) => p.id));
    expect(results.map((r) => [r.id, r.status, r.message ?? ''])).toEqual(PROBES.map((p) => [p.id, 'passed', '']));
    expect(findings).toEqual([]);
    for (const r of results) expect(r.details).toMatch(/^source: §/);
  });
});

describe('each probe fails when the target answers wrongly', () => {
  const cases: { id: string; m: Misbehaviour; upstream?: 'main' | 'badKey' | 'expiry'; message: RegExp }[] = [
    {
      id: 'PROBE-ACTIVE-RESPONSE',
      m: onError('conversation_already_has_active_response', (e, err) => ({ ...e, error: { ...err, code: 'invalid_value' } })),
      message: /expected error code conversation_already_has_active_response, got "invalid_value"/,
    },
    { id: 'PROBE-COMMIT-EMPTY', m: onError('input_audio_buffer_commit_empty', (e, err) => ({ ...e, error: { ...err, code: null } })), message: /expected error code input_audio_buffer_commit_empty, got null/ },
    { id: 'PROBE-CANCEL-IDLE', m: onError('response_cancel_not_active', () => null), message: /no error answering response\.cancel with nothing active/ },
    { id: 'PROBE-UNKNOWN-EVENT', m: onError('invalid_value', (e, err) => ({ ...e, error: { ...err, param: null } })), message: /expected error param "type", got null/ },
    {
      id: 'PROBE-UNKNOWN-PARAM',
      m: onError('unknown_parameter', (e, err) => ({ ...e, error: { ...err, param: 'rth_conform_unknown_parameter' } })),
      message: /expected error param "session\.rth_conform_unknown_parameter"/,
    },
    {
      id: 'PROBE-VOICE-AFTER-AUDIO',
      m: onError('cannot_update_voice', (e) => ({ type: 'session.updated', event_id: `${String(e['event_id'])}_x`, session: { type: 'realtime' } })),
      message: /expected an error answering a voice change after assistant audio, got session\.updated/,
    },
    {
      id: 'PROBE-CANCEL-ACTIVE',
      m: { serverEvent: (e) => (e.type === 'response.done' ? { ...e, response: { ...(e['response'] as object), status_details: { type: 'cancelled', reason: 'turn_detected' } } } : e) },
      message: /expected \{type:"cancelled", reason:"client_cancelled"\}/,
    },
    {
      id: 'PROBE-BARGE-IN',
      m: { serverEvent: (e) => (e.type === 'conversation.item.truncated' ? { ...e, audio_end_ms: (e['audio_end_ms'] as number) + 1 } : e) },
      message: /conversation\.item\.truncated has content_index 0, audio_end_ms \d+, expected 0 and \d+/,
    },
    {
      id: 'PROBE-TRUNCATE-ERRORS',
      m: onError('unsupported_content_type', (e, err) => ({ ...e, error: { ...err, code: 'invalid_value' } })),
      message: /expected error code unsupported_content_type/,
    },
    {
      id: 'PROBE-ITEM-DELETE-RETRIEVE',
      m: onError('item_retrieve_invalid_item_id', (e) => ({ type: 'conversation.item.retrieved', event_id: `${String(e['event_id'])}_x`, item: { id: 'item_x', type: 'message' } })),
      message: /expected an error answering retrieve of deleted item .*, got conversation\.item\.retrieved/,
    },
    {
      id: 'PROBE-TRANSCRIPTION',
      m: { serverEvent: (e) => (e.type === 'conversation.item.input_audio_transcription.completed' ? { ...e, transcript: null } : e) },
      message: /transcript null, expected a string/,
    },
    { id: 'PROBE-TRANSLATION', m: { closeCode: (c) => (c === 1000 ? 4000 : c) }, message: /closed with 4000 .* after session\.closed, expected 1000, 1001 or 1005/ },
    { id: 'PROBE-SESSION-EXPIRY', m: { closeCode: (c) => (c === 1001 ? 1000 : c) }, upstream: 'expiry', message: /closed with 1000 .* after session_expired, expected 1001/ },
    { id: 'PROBE-BAD-KEY', m: { closeCode: (c) => (c === 3000 ? 1000 : c) }, upstream: 'badKey', message: /closed with 1000 .* after invalid_api_key, expected 3000/ },
  ];

  it('covers every probe', () => {
    expect(new Set(cases.map((c) => c.id))).toEqual(new Set(PROBES.map((p) => p.id)));
  });

  for (const c of cases) {
    it(`${c.id}`, async () => {
      const { results } = await probeThrough([c.id], c.m, c.upstream ?? 'main');
      expect(results).toHaveLength(1);
      expect(results[0]).toMatchObject({ id: c.id, status: 'failed' });
      expect(results[0]!.message).toMatch(c.message);
    });
  }

  it('PROBE-BAD-KEY fails when the target accepts any key; the 1000 close is also a passive RT-CLOSE-001 warning', async () => {
    const accepted = await probeThrough(['PROBE-BAD-KEY'], {}, null);
    expect(accepted.results[0]).toMatchObject({ status: 'passed' });
    const open = await startRelay(mocks.main.url);
    try {
      const target = mockProbeTarget({ main: mocks.main.url, badKey: open.url, expiry: null });
      const r = await runProbes({ target, clips, probes: PROBES.filter((p) => p.id === 'PROBE-BAD-KEY'), stepTimeoutMs: 2500, quietMs: 100 });
      expect(r.results[0]).toMatchObject({ status: 'failed', message: expect.stringMatching(/the target accepted a wrong key: first event session\.created/) });
    } finally {
      await open.close();
    }
    const recoded = await probeThrough(['PROBE-BAD-KEY'], { closeCode: (c) => (c === 3000 ? 1000 : c) }, 'badKey');
    expect(recoded.findings.map((f) => [f.ruleId, f.severity])).toContainEqual(['RT-CLOSE-001', 'warning']);
  });

  it('PROBE-SESSION-EXPIRY is skipped, with the reason, when the target cannot be made to expire', async () => {
    const target = { ...mockProbeTarget({ main: mocks.main.url, badKey: null, expiry: null }) };
    const r = await runProbes({ target, clips, probes: PROBES.filter((p) => p.id === 'PROBE-SESSION-EXPIRY') });
    expect(r.results[0]).toMatchObject({ status: 'skipped', message: expect.stringMatching(/cannot be made to expire.*60-minute/) });
  });

  it('a probe that cannot connect fails naming the HTTP status', async () => {
    const target = mockProbeTarget({ main: mocks.main.url, badKey: null, expiry: null });
    const broken = { ...target, realtime: { ...target.realtime, url: `${mocks.main.url}/v1/nowhere` } };
    const r = await runProbes({ target: broken, clips, probes: PROBES.filter((p) => p.id === 'PROBE-CANCEL-IDLE') });
    expect(r.results[0]).toMatchObject({ status: 'failed', message: expect.stringMatching(/could not open a realtime session: HTTP 404\b/) });
  });
});
