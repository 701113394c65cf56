/**
 * The Live session's output side and ground truth: turns the output track's frames and transcript
 * buckets into events (`session.output_audio.delta` carries only `type` and `delta` on the primary
 * socket, §3.2, so it is sent without an `event_id`), and writes one `--trace` record per spoken
 * answer with the stamps the harness is checked against: when input reached the end of the user's
 * speech (`turn_audio_end_us`), when the turn detector decided (`delays_start_us`), and when the
 * frames holding the answer's first and last samples were written. `effort` is always null: the
 * Live voice model has no reasoning effort.
 */
import type * as Live from 'openai/resources/live/live';
import type { MockSessionContext, TraceRecord, WireEvent, WriteHook } from '../contract.ts';
import type { LiveSettings } from './config.ts';
import type { FrameHook, OutputTrack, TrackSink } from './output-track.ts';

/** Input stamps kept to find when the timeline passed a position (about 10 s of 20 ms appends). */
const INPUT_STAMPS_KEPT = 512;

/** What one spoken answer is, for its trace record. */
export interface SpokenMeta {
  /** 1-based user turn it answers. */
  turn: number;
  /** Timeline position where the user's speech ended, or null (a delegated result). */
  speechEndMs: number | null;
  /** The drawn delay from end of speech to the answer on the track, timeline ms, or null. */
  drawnMs: number | null;
  /** `answer`, `ack` (delegation acknowledgement) or `delegated` (the delegated result). */
  label: 'answer' | 'ack' | 'delegated';
}

/** Per-session output sink and trace writer. */
export class LiveTracer {
  /** (timeline ms reached, wall µs) of recent appends, oldest first. */
  #stamps: [number, number][] = [];
  #answers = 0;
  #ended = false;

  constructor(
    private readonly ctx: MockSessionContext,
    private readonly liveId: string,
  ) {}

  /** Records that input reached `timelineMs` at `nowUs`. */
  inputReached(timelineMs: number, nowUs: number): void {
    this.#stamps.push([timelineMs, nowUs]);
    if (this.#stamps.length > INPUT_STAMPS_KEPT) this.#stamps.splice(0, this.#stamps.length - INPUT_STAMPS_KEPT);
  }

  /** Wall µs when input first reached `timelineMs` (the append that covered it), or null if forgotten. */
  wallAt(timelineMs: number): number | null {
    for (const [ms, us] of this.#stamps) if (ms >= timelineMs) return us;
    return null;
  }

  /** The sink the session's output track emits into. */
  sink(ctx: MockSessionContext, _settings: LiveSettings): TrackSink {
    return {
      frame(bytes, _startMs, firsts, lasts) {
        const event = { type: 'session.output_audio.delta', delta: bytes.toString('base64'), event_id: undefined };
        const hooks = [...firsts, ...lasts];
        const onWritten: WriteHook | undefined = hooks.length === 0 ? undefined : (us) => hooks.forEach((h) => h(us));
        ctx.send(event as unknown as WireEvent, onWritten);
      },
      transcript(text, startMs, endMs) {
        const event: Omit<Live.OutputTranscriptDeltaEvent, 'event_id'> = { type: 'session.output_transcript.delta', delta: text, start_ms: startMs, end_ms: endMs };
        ctx.send(event as unknown as WireEvent);
      },
    };
  }

  /** Places `text` on the track at `atMs` and traces it (a record once its last frame is written). */
  speak(track: OutputTrack, text: string, atMs: number, seed: number, meta: SpokenMeta): void {
    const decidedUs = this.ctx.clock.nowUs();
    const audioEndUs = meta.speechEndMs === null ? null : this.wallAt(meta.speechEndMs);
    const id = `${meta.label}_${++this.#answers}`;
    let firstUs: number | null = null;
    const onFirstFrame: FrameHook = (us) => (firstUs = us);
    const onLastFrame: FrameHook = (us) => {
      if (this.#ended) return;
      const record: TraceRecord = {
        session_id: this.liveId,
        response_id: id,
        effort: null,
        turn_index: meta.turn,
        status: 'completed',
        turn_audio_end_us: audioEndUs,
        delays_start_us: decidedUs,
        response_created_sent_us: null,
        first_audio_sent_us: firstUs,
        response_done_sent_us: us,
        drawn_first_audio_delay_ms: meta.drawnMs,
      };
      this.ctx.trace.write(record);
    };
    track.speak(text, atMs, seed, { onFirstFrame, onLastFrame });
  }

  /** The connection ended: no more records. */
  end(): void {
    this.#ended = true;
  }
}
