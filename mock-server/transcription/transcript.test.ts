import { describe, expect, it } from 'vitest';
import { SeededRng } from '../rng.ts';
import { placeholderSentence, SpeechMeter, wordCountForSpeech, wordDeltas } from './transcript.ts';

/** A 24 kHz tone at `amplitude` for `ms`. */
const tone = (ms: number, amplitude: number): Int16Array => Int16Array.from({ length: ms * 24 }, (_, i) => Math.round(amplitude * Math.sin((2 * Math.PI * 220 * i) / 24000)));
const silence = (ms: number): Int16Array => new Int16Array(ms * 24);

describe('placeholder transcripts', () => {
  it('sizes, capitalises and punctuates; deltas concatenate to the transcript', () => {
    const s = placeholderSentence(new SeededRng(1), 5);
    expect(s.split(' ')).toHaveLength(5);
    expect(s).toMatch(/^[A-Z].*\.$/);
    expect(wordDeltas(s).join('')).toBe(s);
    expect(wordDeltas(s)[1]!.startsWith(' ')).toBe(true);
    expect(placeholderSentence(new SeededRng(1), 0)).toBe('');
    expect(placeholderSentence(new SeededRng(2), 8)).toBe(placeholderSentence(new SeededRng(2), 8));
  });

  it('2.5 words per second of speech', () => {
    expect(wordCountForSpeech(4000)).toBe(10);
    expect(wordCountForSpeech(0)).toBe(0);
  });
});

describe('SpeechMeter', () => {
  it('measures the span from first to last speech, pauses included, silence and clicks excluded', () => {
    const m = new SpeechMeter(24000);
    m.push(silence(500));
    m.push(tone(20, 8000)); // a click: shorter than 50 ms of voiced frames
    m.push(silence(300));
    m.push(tone(600, 8000));
    m.push(silence(200)); // a pause inside the utterance
    m.push(tone(400, 8000));
    m.push(silence(700));
    expect(m.speechMs).toBe(1200);
    expect(m.audioMs).toBe(2720);
  });

  it('ignores audio below -40 dBFS and resets between turns across split pushes', () => {
    const m = new SpeechMeter(24000);
    m.push(tone(500, 200)); // about -47 dBFS RMS
    expect(m.speechMs).toBe(0);
    const speech = tone(300, 8000);
    m.push(speech.subarray(0, 1234));
    m.push(speech.subarray(1234));
    expect(m.speechMs).toBe(300);
    m.reset();
    expect(m.speechMs).toBe(0);
  });
});
