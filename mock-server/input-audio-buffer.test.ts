import { describe, expect, it } from 'vitest';
import type { WireAudioFormat } from '../common/audio/formats.ts';
import { encodeFromPcm16 } from '../common/audio/formats.ts';
import { SERVER_VAD_DEFAULTS, type VadEvent } from '../common/audio/turn-detector.ts';
import { AudioStore, IDLE_MARGIN_MS, InputAudioBuffer, MAX_APPEND_BASE64_CHARS, type AppendOutcome } from './input-audio-buffer.ts';

const PCM: WireAudioFormat = { type: 'audio/pcm', rate: 24000 };
const PCMU: WireAudioFormat = { type: 'audio/pcmu' };

/** PCM16 at `rateHz`: silence, or a 220 Hz tone at −20 dBFS RMS. */
function pcm(ms: number, tone: boolean, rateHz = 24000): Int16Array {
  const n = Math.round((ms * rateHz) / 1000);
  const out = new Int16Array(n);
  if (tone) for (let i = 0; i < n; i++) out[i] = Math.round(4634 * Math.sin((2 * Math.PI * 220 * i) / rateHz));
  return out;
}

/** Appends `segments` in `chunkMs` pieces; returns all VAD events, and fails the test on any error. */
function stream(buf: InputAudioBuffer, f: WireAudioFormat, segments: [ms: number, tone: boolean][], chunkMs = 20): VadEvent[] {
  const rate = f.type === 'audio/pcm' ? 24000 : 8000;
  const events: VadEvent[] = [];
  for (const [ms, tone] of segments) {
    const wire = encodeFromPcm16(f, pcm(ms, tone, rate));
    const chunkBytes = (chunkMs * rate * (f.type === 'audio/pcm' ? 2 : 1)) / 1000;
    for (let i = 0; i < wire.length; i += chunkBytes) {
      const r = buf.append(wire.subarray(i, i + chunkBytes).toString('base64'));
      if (!r.ok) throw new Error(r.error.message);
      events.push(...r.vadEvents);
    }
  }
  return events;
}

function errorOf(r: AppendOutcome) {
  expect(r.ok).toBe(false);
  return (r as Extract<AppendOutcome, { ok: false }>).error;
}

describe('InputAudioBuffer.append validation', () => {
  const buf = () => new InputAudioBuffer({ format: PCM, turnDetection: null });

  it('requires a string', () => {
    expect(errorOf(buf().append(undefined))).toEqual({
      type: 'invalid_request_error',
      code: 'missing_required_parameter',
      message: "Missing required parameter: 'audio'.",
      param: 'audio',
    });
    expect(errorOf(buf().append(42))).toMatchObject({
      code: 'invalid_type',
      message: "Invalid type for 'audio': expected a string, but got an integer instead.",
      param: 'audio',
    });
  });

  it('rejects more than 15 MiB of base64 and accepts exactly 15 MiB', () => {
    const b = buf();
    expect(errorOf(b.append('A'.repeat(MAX_APPEND_BASE64_CHARS + 4)))).toMatchObject({ code: 'string_above_max_length', param: 'audio' });
    expect(b.totalAudioMs).toBe(0);
    expect(b.append('A'.repeat(MAX_APPEND_BASE64_CHARS)).ok).toBe(true);
    expect(b.bufferedMs).toBe(((MAX_APPEND_BASE64_CHARS / 4) * 3) / 48);
  });

  it('rejects anything that is not strict base64', () => {
    for (const bad of ['AAA', 'AA=A', 'A===', 'AAAA AAAA', 'AAAA\n', 'AA-_', 'AAA!', '====']) {
      const e = errorOf(buf().append(bad));
      expect(e.code, JSON.stringify(bad)).toBe('invalid_value');
      expect(e.param).toBe('audio');
      expect(e.message).toMatch(/^Invalid 'audio': expected base64-encoded audio, but /);
    }
    expect(errorOf(buf().append('AAA!')).message).toContain('"!" at offset 3');
  });

  it('requires whole samples for the format', () => {
    const e = errorOf(buf().append('AAAA')); // 3 bytes
    expect(e).toMatchObject({ code: 'invalid_value', param: 'audio' });
    expect(e.message).toContain('multiple of 2 bytes, but it is 3 bytes');
    expect(new InputAudioBuffer({ format: PCMU, turnDetection: null }).append('AAAA').ok).toBe(true);
    expect(buf().append('AA==').ok).toBe(false); // 1 byte
    expect(buf().append('AAA=').ok).toBe(true); // 2 bytes
  });

  it('accepts an empty string as a no-op', () => {
    const b = buf();
    expect(b.append('')).toEqual({ ok: true, vadEvents: [] });
    expect(b.totalAudioMs).toBe(0);
  });
});

describe('InputAudioBuffer, manual commit', () => {
  it('refuses commits under 100 ms with the real message, and keeps the audio', () => {
    const b = new InputAudioBuffer({ format: PCM, turnDetection: null });
    expect(b.commit()).toEqual({
      ok: false,
      error: {
        type: 'invalid_request_error',
        code: 'input_audio_buffer_commit_empty',
        message: 'Error committing input audio buffer: buffer too small. Expected at least 100ms of audio, but buffer only has 0.00ms of audio.',
        param: null,
      },
    });
    b.append(Buffer.alloc(2374).toString('base64'));
    const r = b.commit();
    expect(!r.ok && r.error.message).toContain('buffer only has 49.46ms of audio.');
    expect(b.bufferedMs).toBeCloseTo(49.458, 2);
  });

  it('commits everything since the last commit, on the session timeline', () => {
    const b = new InputAudioBuffer({ format: PCM, turnDetection: null });
    const first = Buffer.from(Array.from({ length: 4800 }, (_, i) => i % 251));
    const second = Buffer.from(Array.from({ length: 960 }, (_, i) => (i * 7) % 256));
    b.append(first.toString('base64'));
    b.append(second.toString('base64'));
    const r = b.commit();
    expect(r).toMatchObject({ ok: true, durationMs: 120, startMs: 0, endMs: 120 });
    expect(r.ok && r.audio.equals(Buffer.concat([first, second]))).toBe(true);
    expect(b.bufferedMs).toBe(0);
    b.append(Buffer.alloc(9600).toString('base64'));
    expect(b.commit()).toMatchObject({ ok: true, durationMs: 200, startMs: 120, endMs: 320 });
    expect(b.totalAudioMs).toBe(320);
  });

  it('holds its own memory, not slices of a shared pool', () => {
    const b = new InputAudioBuffer({ format: PCM, turnDetection: null });
    b.append(Buffer.alloc(4800, 1).toString('base64'));
    const r = b.commit();
    expect(r.ok && r.audio.buffer.byteLength).toBe(4800);
  });

  it('clear() drops the audio but not the timeline', () => {
    const b = new InputAudioBuffer({ format: PCM, turnDetection: null });
    b.append(Buffer.alloc(9600).toString('base64'));
    b.clear();
    expect(b.bufferedMs).toBe(0);
    expect(b.totalAudioMs).toBe(200);
    expect(b.commit().ok).toBe(false);
  });

  it('caps the buffer at 15 minutes', () => {
    const b = new InputAudioBuffer({ format: PCMU, turnDetection: null });
    expect(b.append(Buffer.alloc(15 * 60 * 8000).toString('base64')).ok).toBe(true);
    const e = errorOf(b.append(Buffer.alloc(160).toString('base64')));
    expect(e).toMatchObject({ code: 'invalid_value', param: 'audio' });
    expect(e.message).toContain('15 minutes');
    expect(b.totalAudioMs).toBe(15 * 60 * 1000);
    expect(b.commit().ok).toBe(true);
    expect(b.append(Buffer.alloc(160).toString('base64')).ok).toBe(true);
  });
});

describe('InputAudioBuffer, turn detection', () => {
  it('reports VAD events on the session timeline and commits from the padded onset', () => {
    const b = new InputAudioBuffer({ format: PCM, turnDetection: SERVER_VAD_DEFAULTS });
    expect(stream(b, PCM, [[1000, false], [800, true], [500, false]])).toEqual([
      { type: 'speech_started', audioStartMs: 700 },
      { type: 'speech_stopped', audioEndMs: 2300 },
    ]);
    const r = b.commit();
    expect(r).toMatchObject({ ok: true, startMs: 700, endMs: 2300, durationMs: 1600 });
    expect(r.ok && r.audio.length).toBe(1600 * 48);
  });

  it('next turns continue the timeline and never start before the last commit', () => {
    const b = new InputAudioBuffer({ format: PCM, turnDetection: SERVER_VAD_DEFAULTS });
    stream(b, PCM, [[1000, false], [800, true], [500, false]]);
    b.commit();
    expect(stream(b, PCM, [[100, false], [400, true], [600, false]])).toEqual([
      { type: 'speech_started', audioStartMs: 2300 }, // onset 2400 − 300 is before the commit at 2300
      { type: 'speech_stopped', audioEndMs: 3300 },
    ]);
    expect(b.commit()).toMatchObject({ ok: true, startMs: 2300 });
  });

  it('keeps only about the prefix padding while nobody speaks', () => {
    const b = new InputAudioBuffer({ format: PCM, turnDetection: SERVER_VAD_DEFAULTS });
    const keepMs = SERVER_VAD_DEFAULTS.prefixPaddingMs + IDLE_MARGIN_MS;
    stream(b, PCM, [[60_000, false]]);
    expect(b.bufferedMs).toBeGreaterThanOrEqual(keepMs);
    expect(b.bufferedMs).toBeLessThanOrEqual(keepMs + 20);
    // One huge append is cut down too.
    expect(b.append(Buffer.alloc(120_000 * 48).toString('base64')).ok).toBe(true);
    expect(b.bufferedMs).toBeLessThanOrEqual(keepMs + 20);
    expect(b.totalAudioMs).toBe(180_000);
  });

  it('keeps a finished turn until it is committed, even across a following turn in the same append', () => {
    const b = new InputAudioBuffer({ format: PCM, turnDetection: SERVER_VAD_DEFAULTS });
    const parts = [pcm(1000, false), pcm(500, true), pcm(700, false), pcm(500, true), pcm(100, false)];
    const all = new Int16Array(parts.reduce((n, p) => n + p.length, 0));
    parts.reduce((at, p) => (all.set(p, at), at + p.length), 0);
    const r = b.append(encodeFromPcm16(PCM, all).toString('base64'));
    expect(r).toEqual({
      ok: true,
      vadEvents: [
        { type: 'speech_started', audioStartMs: 700 },
        { type: 'speech_stopped', audioEndMs: 2000 },
        { type: 'speech_started', audioStartMs: 2000 },
      ],
    });
    expect(b.commit()).toMatchObject({ ok: true, startMs: 700, endMs: 2800 });
  });

  it('keeps manual-mode audio after turn detection is switched off', () => {
    const b = new InputAudioBuffer({ format: PCM, turnDetection: SERVER_VAD_DEFAULTS });
    b.setTurnDetection(null);
    stream(b, PCM, [[5000, false]]);
    expect(b.bufferedMs).toBe(5000);
    b.setTurnDetection(SERVER_VAD_DEFAULTS);
    expect(stream(b, PCM, [[1000, false], [500, true], [500, false]])).toEqual([
      { type: 'speech_started', audioStartMs: 5700 },
      { type: 'speech_stopped', audioEndMs: 7000 },
    ]);
  });

  it('detects turns in G.711 audio', () => {
    const b = new InputAudioBuffer({ format: PCMU, turnDetection: SERVER_VAD_DEFAULTS });
    expect(stream(b, PCMU, [[1000, false], [800, true], [500, false]])).toEqual([
      { type: 'speech_started', audioStartMs: 700 },
      { type: 'speech_stopped', audioEndMs: 2300 },
    ]);
    expect(b.commit()).toMatchObject({ ok: true, startMs: 700, durationMs: 1600 });
  });

  it('a format change clears the buffer and keeps the timeline', () => {
    const b = new InputAudioBuffer({ format: PCM, turnDetection: SERVER_VAD_DEFAULTS });
    stream(b, PCM, [[1000, false]]);
    b.setFormat({ type: 'audio/pcm', rate: 24000 });
    expect(b.bufferedMs).toBeGreaterThan(0);
    b.setFormat(PCMU);
    expect(b.bufferedMs).toBe(0);
    expect(stream(b, PCMU, [[1000, false], [500, true], [500, false]])).toEqual([
      { type: 'speech_started', audioStartMs: 1700 },
      { type: 'speech_stopped', audioEndMs: 3000 },
    ]);
  });

  it('clear() during speech drops the turn without a speech_stopped', () => {
    const b = new InputAudioBuffer({ format: PCM, turnDetection: SERVER_VAD_DEFAULTS });
    stream(b, PCM, [[1000, false], [300, true]]);
    expect(b.speaking).toBe(true);
    b.clear();
    expect(b.speaking).toBe(false);
    expect(stream(b, PCM, [[1000, false]])).toEqual([]);
  });
});

describe('AudioStore', () => {
  const b64 = (bytes: number[]): string => Buffer.from(bytes).toString('base64');

  it('keeps a window of appended bytes through front drops, moves and growth', () => {
    const store = new AudioStore();
    const expected: number[] = [];
    let next = 0;
    for (let round = 0; round < 400; round++) {
      const n = 2 + 2 * (round % 50); // 2..100 bytes, even like PCM16
      const bytes = Array.from({ length: n }, () => next++ & 0xff);
      const view = store.decodeTail(b64(bytes), n);
      expect(view && [...view]).toEqual(bytes);
      store.commitTail(n);
      expected.push(...bytes);
      if (round % 3 === 0) {
        const drop = Math.min(expected.length, 2 * (round % 37));
        store.dropFront(drop);
        expected.splice(0, drop);
      }
      expect(store.length).toBe(expected.length);
    }
    expect([...store.copy()]).toEqual(expected);
  });

  it('leaves a tail that did not decode out of the window', () => {
    const store = new AudioStore();
    store.decodeTail(b64([1, 2]), 2);
    store.commitTail(2);
    expect(store.decodeTail('AA!A', 3)).toBeNull();
    expect([...store.copy()]).toEqual([1, 2]);
  });

  it('stays small while idle audio is dropped, and gives a large buffer back on clear', () => {
    const store = new AudioStore();
    const frame = Buffer.alloc(960).toString('base64');
    for (let i = 0; i < 5000; i++) {
      store.decodeTail(frame, 960);
      store.commitTail(960);
      if (store.length > 24_000) store.dropFront(store.length - 24_000);
    }
    expect(store.capacity).toBeLessThanOrEqual(64 * 1024);
    for (let i = 0; i < 400; i++) {
      store.decodeTail(frame, 960);
      store.commitTail(960);
    }
    expect(store.capacity).toBeGreaterThan(256 * 1024);
    store.clear();
    expect(store.capacity).toBe(0);
    expect(store.length).toBe(0);
  });

  it('keeps PCM16 appends 2-byte aligned so they can be read in place', () => {
    const store = new AudioStore();
    for (let i = 0; i < 200; i++) {
      const view = store.decodeTail(Buffer.alloc(482).toString('base64'), 482);
      expect(view!.byteOffset % 2).toBe(0);
      store.commitTail(482);
      store.dropFront(i % 2 === 0 ? 240 : 300);
    }
  });
});
