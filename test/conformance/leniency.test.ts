/**
 * Where §9 lists a fact as unverified (or the doc allows variants), the rules must accept every
 * plausible variant. Each case mutates a valid fixture into a variant and expects no error or
 * warning findings.
 */
import { describe, expect, it } from 'vitest';
import type { StreamLine } from '../../harness/conformance/replay.ts';
import { all, checkFixture, drop, insertAfter, moveAfter, moveBefore, set, setClose, type FixtureName, type Mutation } from './stream-mutations.ts';

const AUDIO: FixtureName = 'realtime-audio-response.jsonl';

const VARIANTS: ReadonlyArray<{ what: string; fixture: FixtureName; mutate: Mutation }> = [
  { what: 'rate_limits.updated after response.done (§9.3)', fixture: AUDIO, mutate: moveAfter('rate_limits.updated', 0, 'response.done') },
  { what: 'rate_limits.updated with only the tokens entry (§6.3, §9.3)', fixture: AUDIO, mutate: set('rate_limits.updated', 0, 'rate_limits', [{ name: 'tokens', limit: 10, remaining: 9, reset_seconds: 0.5 }]) },
  { what: 'conversation.item.done before response.output_item.done (§9.4)', fixture: AUDIO, mutate: moveBefore('conversation.item.done', 1, 'response.output_item.done') },
  { what: 'transcript done before output_audio.done (§9.4)', fixture: AUDIO, mutate: moveBefore('response.output_audio_transcript.done', 0, 'response.output_audio.done') },
  { what: 'conversation.item.added before response.output_item.added', fixture: AUDIO, mutate: moveBefore('conversation.item.added', 1, 'response.output_item.added') },
  { what: 'no conversation.created (§9.1)', fixture: AUDIO, mutate: (l) => l },
  {
    what: 'conversation.created after session.created (§9.1)',
    fixture: AUDIO,
    mutate: insertAfter('session.created', 0, { server: { type: 'conversation.created', event_id: 'event_V0001', conversation: { id: 'conv_C001', object: 'realtime.conversation' } } }),
  },
  { what: 'status_details {type:"completed"} on a completed response', fixture: AUDIO, mutate: set('response.done', 0, 'response.status_details', { type: 'completed' }) },
  { what: 'content part type output_audio (§8.3)', fixture: AUDIO, mutate: set('response.content_part.added', 0, 'part.type', 'output_audio') },
  { what: 'placeholder ids instead of the 21-char form (§8.1)', fixture: AUDIO, mutate: set('response.output_audio.delta', 0, 'event_id', 'event_1920') },
  {
    what: 'session.update answered by an error echoing its event_id',
    fixture: AUDIO,
    mutate: all(
      drop('session.updated'),
      insertAfter('session.created', 0, { server: { type: 'error', event_id: 'event_V0002', error: { type: 'invalid_request_error', code: 'unknown_parameter', message: 'Unknown parameter', param: 'session.foo', event_id: 'evt_c_1' } } }),
      // the session.update client line must precede the error
      (lines: StreamLine[]) => {
        const u = lines.findIndex((l) => 'client' in l && l.client['type'] === 'session.update');
        const upd = lines[u]!;
        const rest = [...lines.slice(0, u), ...lines.slice(u + 1)];
        return [rest[0]!, upd, ...rest.slice(1)];
      },
    ),
  },
  { what: 'cancelled item still in_progress after cancel (§9.5)', fixture: 'realtime-cancel.jsonl', mutate: set('response.output_item.done', 0, 'item.status', 'in_progress') },
  { what: 'transcription session without conversation.item.added (§9.2)', fixture: 'transcription.jsonl', mutate: drop('conversation.item.added') },
  { what: 'transcription completions out of order across turns (§3.10)', fixture: 'transcription.jsonl', mutate: moveAfter('conversation.item.input_audio_transcription.completed', 0, 'conversation.item.input_audio_transcription.completed', 0) },
  { what: 'translation closes with 1005 after session.closed (§3.11)', fixture: 'translation.jsonl', mutate: setClose(1005) },
  { what: 'translation elapsed_ms repeats (§2.5)', fixture: 'translation.jsonl', mutate: set('session.output_transcript.delta', 1, 'elapsed_ms', 400) },
  { what: 'socket dropped (1006) before session.closed: owed answers not judged', fixture: 'translation.jsonl', mutate: all(drop('session.closed'), setClose(1006)) },
];

describe('lenient where the protocol doc is unverified', () => {
  for (const v of VARIANTS) {
    it(v.what, () => {
      const findings = checkFixture(v.fixture, v.mutate).filter((f) => f.severity !== 'info');
      expect(findings.map((f) => `${f.ruleId}: ${f.message}`)).toEqual([]);
    });
  }
});
