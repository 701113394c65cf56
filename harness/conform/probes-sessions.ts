/**
 * Probes of whole sessions: a transcription session (§2.4, §3.10), a translation session (§2.5,
 * §3.11), session expiry (§1.4) and a refused key (§1.2).
 */
import { errorOf, pathOf } from './probe-session.ts';
import { configure, expectCode, probePlan, silenceFrames, speak } from './probe-helpers.ts';
import { ProbeFailure, type ProbeDef } from './types.ts';

/** Close codes the official SDK treats as clean after `session.closed` (§3.11; exact code unverified, §9.15). */
const TRANSLATION_CLOSE_CODES: readonly number[] = [1000, 1001, 1005];

/** A transcription session turn (§2.4, §3.10). */
export const transcriptionProbe: ProbeDef = {
  id: 'PROBE-TRANSCRIPTION',
  description:
    '?intent=transcription session, server_vad, one spoken turn → speech_started, speech_stopped, input_audio_buffer.committed, then conversation.item.input_audio_transcription.completed with a string transcript for that item',
  source: '§1.1, §2.4, §3.10 [T S1/S4, M S8 1371205]; item added/done not required (§9.2)',
  async run(ctx) {
    const s = await ctx.open('transcription');
    await configure(s, probePlan('transcription', 'server_vad', ctx.target.transcriptionModel));
    const since = s.mark();
    await speak(s, ctx.clips.first);
    await s.waitForType('input_audio_buffer.speech_started', 'input_audio_buffer.speech_started', { since });
    await s.waitForType('input_audio_buffer.speech_stopped', 'input_audio_buffer.speech_stopped', { since });
    const committed = await s.waitForType('input_audio_buffer.committed', 'input_audio_buffer.committed', { since });
    const itemId = pathOf(committed, 'item_id');
    if (typeof itemId !== 'string') throw new ProbeFailure('input_audio_buffer.committed has no item_id');
    const completed = await s.waitFor(
      (e) => e.kind !== 'malformed' && (e.type === 'conversation.item.input_audio_transcription.completed' || e.type === 'conversation.item.input_audio_transcription.failed') && pathOf(e, 'item_id') === itemId,
      `conversation.item.input_audio_transcription.completed for ${itemId}`,
      { since },
    );
    if (completed.kind !== 'malformed' && completed.type.endsWith('.failed')) {
      throw new ProbeFailure(`transcription of ${itemId} failed: ${JSON.stringify(pathOf(completed, 'error') ?? null).slice(0, 200)}`);
    }
    const transcript = pathOf(completed, 'transcript');
    if (typeof transcript !== 'string') throw new ProbeFailure(`transcription.completed has transcript ${JSON.stringify(transcript)}, expected a string`);
    ctx.note(`${itemId} transcribed: ${transcript.length} characters`);
  },
};

/** A translation session and its close (§2.5, §3.11). */
export const translationProbe: ProbeDef = {
  id: 'PROBE-TRANSLATION',
  description:
    '/v1/realtime/translations session: speech → session.output_audio.delta; session.close → session.closed, then the server closes with 1000, 1001 or 1005 (exact code unverified, §9.15: any of the three)',
  source: '§1.1, §2.5, §3.11 [T S1/S2]; §9.15',
  async run(ctx) {
    const s = await ctx.open('translation');
    await configure(s, probePlan('translation', 'server_vad'));
    const since = s.mark();
    await speak(s, ctx.clips.first, true);
    // §3.11: translation input is a continuous stream (gaps count as contiguous); keep it fed with
    // silence at about 1× until output arrives, so a target that waits for more audio gets it.
    let feeding = true;
    const feeder = (async () => {
      while (feeding && !s.closed) {
        await s.sendFrames(silenceFrames(200, true));
        await s.pause(200);
      }
    })();
    const audio = await s.waitForType('session.output_audio.delta', 'session.output_audio.delta (translated audio)', { since }).finally(() => (feeding = false));
    await feeder;
    if (typeof pathOf(audio, 'delta') !== 'string') throw new ProbeFailure('session.output_audio.delta has no base64 delta');
    const closeSince = s.mark();
    const close = s.builder.sessionClose();
    s.send(close);
    await s.waitForType('session.closed', 'session.closed answering session.close', { since: closeSince, failOnErrorFor: close.event_id });
    const { code, reason } = await s.waitClose('the server closes after session.closed');
    if (!TRANSLATION_CLOSE_CODES.includes(code)) throw new ProbeFailure(`closed with ${code} ${JSON.stringify(reason)} after session.closed, expected 1000, 1001 or 1005`);
    ctx.note(`${s.eventsOfType('session.output_audio.delta').length} output audio deltas; closed ${code}`);
  },
};

/** Session expiry: `session_expired` then close 1001 (§1.4). */
export const sessionExpiryProbe: ProbeDef = {
  id: 'PROBE-SESSION-EXPIRY',
  description: 'a session kept open past the maximum session length → error session_expired, then close 1001',
  source: '§1.4, §4.2, §4.3 [M S7 reachy#134, twilio#10]',
  async run(ctx) {
    const expiry = ctx.target.expiry;
    if (expiry === null) {
      return {
        status: 'skipped',
        message: 'the target cannot be made to expire in reasonable time (60-minute maximum session, §1.4); provoked only against the bundled mock with a short --max-session-s',
      };
    }
    const s = await ctx.open('realtime', expiry);
    await s.waitForType('session.created');
    const waitMs = expiry.maxSessionS * 1000 + ctx.stepTimeoutMs;
    const e = await s.waitForType('error', `error session_expired within ${expiry.maxSessionS} s`, { timeoutMs: waitMs });
    expectCode(errorOf(e)!, 'session_expired', 'session expiry');
    const { code, reason } = await s.waitClose('close after session_expired');
    if (code !== 1001) throw new ProbeFailure(`closed with ${code} ${JSON.stringify(reason)} after session_expired, expected 1001`);
    ctx.note(`expired after ${expiry.maxSessionS} s: session_expired, close 1001`);
  },
};

/** A refused key: `invalid_api_key` then close 3000 (§1.2). */
export const badKeyProbe: ProbeDef = {
  id: 'PROBE-BAD-KEY',
  description: 'a wrong API key → the upgrade succeeds, error invalid_api_key is the only event, then close 3000 (reason "invalid_request_error.invalid_api_key")',
  source: '§1.2, §4.2, §4.3 [M S6]',
  async run(ctx) {
    let s;
    try {
      s = await ctx.open('realtime', ctx.target.badKey);
    } catch (err) {
      throw new ProbeFailure(`${(err as Error).message} (§1.2: the upgrade succeeds, then error invalid_api_key and close 3000)`);
    }
    const first = await s.waitFor((e) => e.kind === 'malformed' || e.type === 'error' || e.type === 'session.created', 'error invalid_api_key');
    if (first.kind === 'malformed' || first.type !== 'error') throw new ProbeFailure(`the target accepted a wrong key: first event ${first.kind === 'malformed' ? '<malformed>' : first.type}`);
    expectCode(errorOf(first)!, 'invalid_api_key', 'wrong key');
    const { code, reason } = await s.waitClose('close after invalid_api_key');
    if (code !== 3000) throw new ProbeFailure(`closed with ${code} ${JSON.stringify(reason)} after invalid_api_key, expected 3000`);
    if (reason !== 'invalid_request_error.invalid_api_key') ctx.note(`close reason ${JSON.stringify(reason)}, documented "invalid_request_error.invalid_api_key" (RT-CLOSE-001 warns)`);
    const extra = s.events.filter((e) => e !== first);
    if (extra.length > 0) throw new ProbeFailure(`events besides the error: ${s.recent(first.index + 1)}`);
  },
};
