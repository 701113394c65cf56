/**
 * One phone call, played from the caller's side: the engine every leg shares (legs.ts: a carrier's
 * media stream to a bridge, Twilio or Telnyx over WebSocket; or a SIP call with RTP). Once the leg is
 * open it sends one 20 ms frame of caller audio every 20 ms for the whole call (silence between
 * utterances included) through the process's pacer (never-early deadlines from the stream's
 * start), DTMF where the plan asks, and hangs up at the end. What the far end sends is played by
 * {@link Playout}; metrics are taken at the caller's ear.
 *
 * Turn script: think (silence) → speak the clip → wait for the answer; the answer is over once its
 * audio has played and nothing new came for `answerEndSilenceMs`. With barge-in, the next clip starts
 * as soon as `bargeInAfterAudioMs` of the answer has played. Every wait is bounded (connect timeout,
 * turn timeout, close grace), so a silent or broken bridge never hangs a call.
 */
import type { Clock, TimerHandle } from '../../common/clock.ts';
import { OnsetDetector } from '../../common/audio/onset.ts';
import type { Pacer, StreamHandle } from '../contract.ts';
import { networkReason, oneLine, redactSecrets } from '../transport/failure-reason.ts';
import { CARRIER_FRAME_MS, silencePayload } from './audio.ts';
import { PROBLEM_KINDS, type CallOutcome, type CallPlan, type CallResult, type CallTurn, type ProblemKind } from './call-types.ts';
import { bytesPerMs, sampleRateOf } from './flavour.ts';
import { carrierLeg, type CallLeg, type LegFactory } from './legs.ts';
import { Playout } from './playout.ts';

export { PROBLEM_KINDS, type CallOutcome, type CallPlan, type CallResult, type CallTurn, type ProblemKind } from './call-types.ts';

/** A running call. */
export interface RunningCall {
  readonly done: Promise<CallResult>;
  /** Hangs up now (`stop`, then close); open turns end `call_ended`. */
  hangUp(reason: string): void;
}

const PROBLEM_EXAMPLES = 5;
type Phase = 'connecting' | 'think' | 'speak' | 'await' | 'hangup' | 'ended';

/** Starts one call; the promise settles once the call has ended, whatever the bridge does. */
export function startCall(plan: CallPlan, deps: { clock: Clock; pacer: Pacer; now?: () => Date; leg?: LegFactory }): RunningCall {
  const { clock, pacer } = deps;
  const now = deps.now ?? (() => new Date());
  const silence = silencePayload(plan.codec);
  const bpm = bytesPerMs(plan.codec);
  const setupStartUs = plan.setupStartUs ?? clock.nowUs();
  const result: CallResult = {
    call: plan.index,
    streamId: plan.ids.streamId,
    callId: plan.ids.callId,
    outcome: 'completed',
    reason: null,
    setupMs: null,
    framesSent: 0,
    mediaReceived: 0,
    marks: { received: 0, echoed: 0, echoedOnClear: 0, unnamed: 0, echoDelaysMs: [] },
    clears: 0,
    dtmfSent: 0,
    problems: Object.fromEntries(PROBLEM_KINDS.map((k) => [k, 0])) as Record<ProblemKind, number>,
    problemExamples: [],
    otherEvents: {},
    afterStop: 0,
    turns: plan.turns.map((t, i) => ({
      call: plan.index,
      turn: i + 1,
      clipId: t.clip.id,
      status: 'pending',
      isBargeIn: false,
      bargedIn: false,
      speechStartSentUs: null,
      speechEndSentUs: null,
      firstAudioUs: null,
      onsetUs: null,
      audioMs: 0,
      clearUs: null,
      droppedAudioMs: null,
    })),
    closeCode: null,
  };

  let phase: Phase = 'connecting';
  let turnIdx = 0;
  let frameInPhase = 0;
  let phaseFrames = 0;
  let stopSent = false;
  let finished = false;
  let stream: StreamHandle | null = null;
  const timers: TimerHandle[] = [];
  let lastAudioUs = 0;
  /** Slots whose send stamp a turn needs: slot → setter. */
  const stampAt = new Map<number, (us: number) => void>();
  /** The turn answers are attributed to (latest whose speech ended), with its onset state. */
  let answer: { t: CallTurn; onset: OnsetDetector; bytes: number; chunks: { endByte: number; us: number }[]; playedAtStart: number } | null = null;

  const playout = new Playout(clock, bpm, (name, receivedUs, echoedUs, onClear) => {
    if (stopSent || !leg.open) return;
    leg.mark(name);
    result.marks.echoed++;
    if (onClear) result.marks.echoedOnClear++;
    result.marks.echoDelaysMs.push((echoedUs - receivedUs) / 1000);
  });

  let resolveDone!: (r: CallResult) => void;
  const done = new Promise<CallResult>((r) => (resolveDone = r));

  const problem = (kind: ProblemKind, reason: string): void => {
    result.problems[kind]++;
    if (result.problemExamples.length < PROBLEM_EXAMPLES) result.problemExamples.push(`${kind}: ${reason}`);
  };

  const finish = (outcome: CallOutcome, reason: string | null): void => {
    if (finished) return;
    finished = true;
    phase = 'ended';
    if (result.outcome === 'completed') {
      result.outcome = outcome;
      result.reason = reason;
    }
    for (const t of result.turns) if (t.status === 'pending' && t.speechStartSentUs !== null) t.status = 'call_ended';
    result.turns = result.turns.filter((t) => t.speechStartSentUs !== null);
    stream?.stop();
    playout.close();
    for (const t of timers) clock.clearTimeout(t);
    resolveDone(result);
  };

  const sendStopAndClose = (): void => {
    if (stopSent) return;
    stopSent = true;
    leg.hangUp();
  };

  // ---- the paced caller audio --------------------------------------------------------------------
  const enter = (p: Phase, frames: number): void => {
    phase = p;
    frameInPhase = 0;
    phaseFrames = frames;
  };
  const startTurn = (idx: number, bargeIn: boolean): void => {
    turnIdx = idx;
    const t = result.turns[idx]!;
    t.isBargeIn = bargeIn;
    if (bargeIn) {
      enter('speak', plan.turns[idx]!.clip.payloads.length);
    } else {
      enter('think', Math.round(plan.turns[idx]!.thinkMs / CARRIER_FRAME_MS));
    }
  };
  const nextTurnOrHangUp = (): void => {
    if (turnIdx + 1 < plan.turns.length) startTurn(turnIdx + 1, false);
    else enter('hangup', Math.round(plan.hangupAfterMs / CARRIER_FRAME_MS));
  };

  /** Phase changes due at this slot (answers end, barge-ins start, timeouts). */
  const advance = (nowUs: number): void => {
    for (;;) {
      if (phase === 'think' && frameInPhase >= phaseFrames) {
        enter('speak', plan.turns[turnIdx]!.clip.payloads.length);
        continue;
      }
      if (phase === 'speak' && frameInPhase >= phaseFrames) {
        enter('await', 0);
        continue;
      }
      if (phase === 'await') {
        const t = result.turns[turnIdx]!;
        const a = answer?.t === t ? answer : null;
        if (plan.bargeInAfterAudioMs !== null && turnIdx + 1 < plan.turns.length && a !== null && t.firstAudioUs !== null && playout.playedMs() - a.playedAtStart >= plan.bargeInAfterAudioMs) {
          t.bargedIn = true;
          t.status = 'completed';
          startTurn(turnIdx + 1, true);
          continue;
        }
        if (t.firstAudioUs !== null && playout.queuedMs() === 0 && nowUs - lastAudioUs >= plan.answerEndSilenceMs * 1000) {
          t.status = 'completed';
          nextTurnOrHangUp();
          continue;
        }
        if (t.speechEndSentUs !== null && nowUs - t.speechEndSentUs >= plan.turnTimeoutMs * 1000) {
          t.status = t.firstAudioUs === null ? 'no_answer' : 'answer_timeout';
          nextTurnOrHangUp();
          continue;
        }
      }
      if (phase === 'hangup' && frameInPhase >= phaseFrames) {
        enter('ended', 0);
      }
      return;
    }
  };

  const nextFrame = (i: number): string | Uint8Array | null => {
    if (finished) return null;
    advance(clock.nowUs());
    if (phase === 'ended') return null;
    let payload = silence;
    if (phase === 'speak') {
      const turn = plan.turns[turnIdx]!;
      const t = result.turns[turnIdx]!;
      payload = turn.clip.payloads[frameInPhase]!;
      const isStart = frameInPhase === turn.clip.speechStartFrame;
      const isEnd = frameInPhase === turn.clip.speechEndFrame;
      if (isStart || isEnd) {
        stampAt.set(i, (us) => {
          if (isStart) t.speechStartSentUs = us;
          if (isEnd) t.speechEndSentUs = us;
        });
      }
    }
    frameInPhase++;
    return leg.frame(i, payload);
  };

  // ---- what the far end sends ------------------------------------------------------------------
  const onAudio = (bytesIn: Buffer): void => {
    result.mediaReceived++;
    const nowUs = clock.nowUs();
    // The answer belongs to the latest turn whose speech has ended (audio before that is a greeting
    // or the tail of an answer being spoken over).
    let latest: CallTurn | null = null;
    for (let k = turnIdx; k >= 0; k--) {
      const t = result.turns[k]!;
      if (t.speechEndSentUs !== null) {
        latest = t;
        break;
      }
    }
    if (latest !== null && answer?.t !== latest) {
      const onsetOpts = plan.codec === 'L16' ? { encoding: 'pcm16le' as const, sampleRateHz: sampleRateOf('L16') } : { encoding: plan.codec === 'PCMU' ? ('pcmu' as const) : ('pcma' as const), sampleRateHz: 8000 };
      answer = { t: latest, onset: new OnsetDetector(onsetOpts), bytes: 0, chunks: [], playedAtStart: playout.playedMs() };
      latest.firstAudioUs = nowUs;
    }
    playout.media(bytesIn.length);
    lastAudioUs = nowUs;
    if (answer !== null && answer.t === latest) {
      const a = answer;
      a.t.audioMs += bytesIn.length / bpm;
      if (a.t.onsetUs === null) {
        let bytes = bytesIn;
        if (plan.codec === 'L16') {
          bytes = Buffer.from(bytes);
          bytes.swap16(); // network byte order → the detector's little-endian
        }
        a.bytes += bytes.length;
        a.chunks.push({ endByte: a.bytes, us: nowUs });
        if (a.onset.pushBytes(bytes)) {
          const onsetByte = a.onset.onsetSample! * (plan.codec === 'L16' ? 2 : 1);
          a.t.onsetUs = a.chunks.find((c) => c.endByte > onsetByte)?.us ?? nowUs;
          a.chunks = [];
        }
      }
    }
  };

  const onClear = (): void => {
    result.clears++;
    const dropped = playout.clear();
    const t = result.turns[turnIdx];
    if (t && t.isBargeIn && t.speechStartSentUs !== null && t.clearUs === null) {
      t.clearUs = clock.nowUs();
      t.droppedAudioMs = dropped;
    }
  };

  // ---- the leg -----------------------------------------------------------------------------------
  const leg: CallLeg = (deps.leg ?? carrierLeg)(plan, { clock, now });
  timers.push(
    clock.setTimeout(() => {
      if (phase !== 'connecting') return;
      leg.abort();
      finish('connect_failed', leg.connectTimeoutReason);
    }, plan.connectTimeoutMs),
  );
  leg.connect({
    stopped: () => stopSent,
    failed: (reason) => finish('connect_failed', reason),
    problem,
    other: (event) => {
      result.otherEvents[event] = (result.otherEvents[event] ?? 0) + 1;
    },
    afterStop: () => {
      result.afterStop++;
    },
    audio: (bytes) => {
      if (!finished) onAudio(bytes);
    },
    mark: (name) => {
      result.marks.received++;
      if (name === null) result.marks.unnamed++;
      playout.mark(name);
    },
    clear: onClear,
    closed: (code, reason) => {
      result.closeCode = code;
      if (!stopSent) finish('closed_by_bridge', reason);
      else finish('completed', null);
    },
    open: () => {
      if (finished) return;
      const openUs = clock.nowUs();
      result.setupMs = (openUs - setupStartUs) / 1000;
      if (plan.turns.length === 0) enter('hangup', Math.round(plan.hangupAfterMs / CARRIER_FRAME_MS));
      else startTurn(0, false);
      const startUs = clock.nowUs();
      for (const d of plan.dtmf) {
        timers.push(
          clock.setTimeout(() => {
            if (finished || stopSent || !leg.open) return;
            if (leg.dtmf(d.digit)) result.dtmfSent++;
          }, (startUs + d.atMs * 1000 - clock.nowUs()) / 1000),
        );
      }
      stream = pacer.start(
        {
          nextFrame,
          onSent: (i, _deadlineUs, sentUs) => {
            result.framesSent++;
            const stamp = stampAt.get(i);
            if (stamp) {
              stampAt.delete(i);
              stamp(sentUs);
            }
          },
          onEnd: () => {
            if (!finished) sendStopAndClose();
          },
        },
        (frame) => {
          if (leg.open) leg.send(frame);
        },
        { startUs, chunkMs: CARRIER_FRAME_MS },
      );
    },
  });

  return {
    done,
    hangUp: (reason: string) => {
      if (finished) return;
      if (phase === 'connecting') {
        leg.abort();
        finish('aborted', reason);
        return;
      }
      if (result.outcome === 'completed' && !stopSent) {
        result.outcome = 'aborted';
        result.reason = reason;
      }
      stream?.stop();
      sendStopAndClose();
    },
  };
}
