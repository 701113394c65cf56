import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createConformanceChecker } from './checker.ts';
import { classifyServerFrame } from './replay.ts';
import type { ConformanceChecker, InputEvent } from './types.ts';

/** Feeds server events (objects or raw strings) with consecutive indices. */
function feeder(checker: ConformanceChecker) {
  let index = 0;
  return (ev: Record<string, unknown> | string): void => {
    const raw = typeof ev === 'string' ? ev : JSON.stringify(ev);
    checker.onServerEvent(classifyServerFrame(raw, index * 1000, index));
    index++;
  };
}

let eventSeq = 0;
const eid = (): string => `event_T${String(eventSeq++).padStart(6, '0')}`;

/** One complete, conforming audio response (§3.4) with `deltas` audio deltas. */
function audioResponse(n: number, deltas: number, prevItem: string | null): Record<string, unknown>[] {
  const rid = `resp_${n}`;
  const iid = `item_${n}`;
  const ids = { response_id: rid, item_id: iid, output_index: 0, content_index: 0 };
  const item = { id: iid, type: 'message', role: 'assistant', status: 'in_progress', content: [] };
  const done = { ...item, status: 'completed', content: [{ type: 'output_audio', transcript: 'ok' }] };
  const out: Record<string, unknown>[] = [
    { type: 'response.created', event_id: eid(), response: { id: rid, status: 'in_progress', status_details: null, conversation_id: 'conv_1', output: [], usage: null } },
    { type: 'response.output_item.added', event_id: eid(), response_id: rid, output_index: 0, item },
    { type: 'conversation.item.added', event_id: eid(), previous_item_id: prevItem, item },
    { type: 'response.content_part.added', event_id: eid(), ...ids, part: { type: 'audio', transcript: '' } },
  ];
  for (let i = 0; i < deltas; i++) out.push({ type: 'response.output_audio.delta', event_id: eid(), ...ids, delta: 'AAAAAAAA' });
  out.push(
    { type: 'response.output_audio_transcript.delta', event_id: eid(), ...ids, delta: 'ok' },
    { type: 'response.output_audio.done', event_id: eid(), ...ids },
    { type: 'response.output_audio_transcript.done', event_id: eid(), ...ids, transcript: 'ok' },
    { type: 'response.content_part.done', event_id: eid(), ...ids, part: { type: 'audio', transcript: 'ok' } },
    { type: 'response.output_item.done', event_id: eid(), response_id: rid, output_index: 0, item: done },
    { type: 'conversation.item.done', event_id: eid(), previous_item_id: prevItem, item: done },
    {
      type: 'response.done',
      event_id: eid(),
      response: { id: rid, status: 'completed', status_details: null, conversation_id: 'conv_1', output: [done], usage: { total_tokens: 3, input_tokens: 1, output_tokens: 2 } },
    },
  );
  return out;
}

const created = (): Record<string, unknown> => ({ type: 'session.created', event_id: eid(), session: { id: 'sess_1', type: 'realtime' } });

describe('createConformanceChecker', () => {
  it('a long conforming session (300 responses, 12,000+ events) yields no findings', () => {
    const checker = createConformanceChecker({ sessionKind: 'realtime' });
    const feed = feeder(checker);
    feed(created());
    let prev: string | null = null;
    let events = 1;
    for (let n = 0; n < 300; n++) {
      for (const ev of audioResponse(n, 30, prev)) {
        feed(ev);
        events++;
      }
      prev = `item_${n}`;
    }
    checker.onClose(1000, 'OK');
    expect(events).toBeGreaterThan(12_000);
    expect(checker.finish()).toEqual([]);
  });

  it('caps findings per rule per session and appends one summary carrying the suppressed count', () => {
    const checker = createConformanceChecker({ sessionKind: 'realtime', sessionId: 'sess-A', maxFindingsPerRule: 5 });
    const feed = feeder(checker);
    feed(created());
    for (const ev of audioResponse(1, 12, null)) {
      feed(ev.type === 'response.output_audio.delta' ? { ...ev, delta: 'AA==' } : ev);
    }
    const findings = checker.finish().filter((f) => f.ruleId === 'RT-CONTENT-001');
    expect(findings).toHaveLength(6);
    expect(findings.slice(0, 5).every((f) => f.suppressed === undefined && f.eventIndex > 0)).toBe(true);
    expect(findings[5]).toMatchObject({ ruleId: 'RT-CONTENT-001', severity: 'error', suppressed: 7, eventIndex: -1, sessionId: 'sess-A' });
    expect(findings.every((f) => f.sessionId === 'sess-A')).toBe(true);
  });

  it('never puts a key into an excerpt or message, and keeps excerpts ≤ 300 chars', () => {
    const checker = createConformanceChecker({ sessionKind: 'realtime' });
    const feed = feeder(checker);
    feed(created());
    const key = 'sk-proj-AbCdEf0123456789AbCdEf0123456789';
    const secret = 'ek_68af296e8e408191a1120ab6383263c2';
    feed({ type: 'error', event_id: eid(), error: { type: 'invalid_request_error', message: 7, note: `key ${key} secret ${secret}` } });
    feed({ type: 'error', event_id: eid(), error: { type: 'x', message: `bad ${key}`, code: 5 } });
    feed({ type: 'rate_limits.updated', event_id: eid(), rate_limits: 'x'.repeat(2000) + key });
    const findings = checker.finish();
    expect(findings.length).toBe(3);
    for (const f of findings) {
      expect(f.rawExcerpt.length).toBeLessThanOrEqual(300);
      expect(`${f.rawExcerpt} ${f.message}`).not.toMatch(/sk-[A-Za-z0-9]|ek_[0-9a-f]/);
    }
    expect(findings[0]!.rawExcerpt).toContain('[REDACTED]');
  });

  it('does not judge answers owed by the server after an abnormal close (1006) or a fatal error', () => {
    const dropped = createConformanceChecker({ sessionKind: 'realtime' });
    feeder(dropped)(created());
    dropped.onClientEvent({ type: 'session.update', event: { type: 'session.update', session: { type: 'realtime' } }, sentUs: 0 });
    dropped.onClose(1006, '');
    expect(dropped.finish()).toEqual([]);

    const clean = createConformanceChecker({ sessionKind: 'realtime' });
    feeder(clean)(created());
    clean.onClientEvent({ type: 'session.update', event: { type: 'session.update', session: { type: 'realtime' } }, sentUs: 0 });
    clean.onClose(1000, 'OK');
    expect(clean.finish().map((f) => f.ruleId)).toEqual(['RT-SESSION-002']);
  });

  it('finish is idempotent and ignores later events', () => {
    const checker = createConformanceChecker({ sessionKind: 'realtime' });
    const feed = feeder(checker);
    feed({ type: 'response.created', event_id: eid(), response: { id: 'r', status: 'in_progress' } });
    const first = checker.finish();
    feed('garbage');
    expect(checker.finish()).toBe(first);
    expect(first.map((f) => f.ruleId)).toEqual(['RT-SESSION-001']);
  });

  it('re-parses an "unknown" event whose type it knows (a parser without the translation union)', () => {
    const checker = createConformanceChecker({ sessionKind: 'translation' });
    let i = 0;
    const unknown = (o: Record<string, unknown>): InputEvent => ({ kind: 'unknown', type: String(o['type']), raw: JSON.stringify(o), receivedUs: 0, index: i++ });
    checker.onServerEvent(unknown({ type: 'session.created', event_id: 'e1', session: { type: 'translation' } }));
    checker.onServerEvent(unknown({ type: 'session.output_audio.delta', event_id: 'e2', delta: 'AA==', format: 'pcm16', sample_rate: 24000, channels: 1 }));
    expect(checker.finish().map((f) => f.ruleId)).toEqual(['RT-TRANSLATE-003']);
  });

  it('judges audio length against the format the server states (session, then response)', () => {
    const checker = createConformanceChecker({ sessionKind: 'realtime', outputFormat: { type: 'audio/pcm', rate: 24000 } });
    const feed = feeder(checker);
    feed({ ...created(), session: { type: 'realtime', audio: { output: { format: { type: 'audio/pcma' } } } } });
    // Odd byte counts are fine for G.711 (1 byte per sample).
    for (const ev of audioResponse(1, 2, null)) feed(ev.type === 'response.output_audio.delta' ? { ...ev, delta: 'AA==' } : ev);
    expect(checker.finish()).toEqual([]);
  });

  const parserPath = fileURLToPath(new URL('../protocol/server-events.ts', import.meta.url));
  it.runIf(existsSync(parserPath))('accepts what the protocol parser returns, unchanged', async () => {
    const { parseServerEvent } = (await import(parserPath)) as {
      parseServerEvent: (raw: string, receivedUs: number, index: number) => InputEvent;
    };
    const checker = createConformanceChecker({ sessionKind: 'realtime' });
    let i = 0;
    const feed = (o: Record<string, unknown> | string): void => checker.onServerEvent(parseServerEvent(typeof o === 'string' ? o : JSON.stringify(o), 0, i++));
    feed(created());
    for (const ev of audioResponse(7, 3, null)) feed(ev);
    feed({ type: 'response.audio.delta', event_id: eid() });
    feed({ type: 'vendor.thing', event_id: eid() });
    feed('{nope');
    expect(checker.finish().map((f) => f.ruleId)).toEqual(['RT-EVENT-001', 'RT-EVENT-002', 'RT-EVENT-003']);
  });
});
