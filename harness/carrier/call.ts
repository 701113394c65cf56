/**
 * One phone call, played as the carrier against a bridge: the engine both flavours share. It opens
 * the bridge's media-stream WebSocket, sends `connected` and `start`, then one `media` frame every
 * 20 ms for the whole call (silence between utterances included) through the process's pacer
 * (never-early deadlines from the stream's start), `dtmf` where the plan asks and `stop` at the end.
 * What the bridge sends is played by {@link Playout}; metrics are taken at the caller's ear.
 *
 * Turn script: think (silence) → speak the clip → wait for the answer; the answer is over once its
 * audio has played and nothing new came for `answerEndSilenceMs`. With barge-in, the next clip starts
 * as soon as `bargeInAfterAudioMs` of the answer has played. Every wait is bounded (connect timeout,
 * turn timeout, close grace), so a silent or broken bridge never hangs a call.
 */
import WebSocket from 'ws';
import type { Clock, TimerHandle } from '../../common/clock.ts';
import { OnsetDetector } from '../../common/audio/onset.ts';
import type { Pacer, StreamHandle } from '../contract.ts';
import { networkReason, oneLine, redactSecrets } from '../transport/failure-reason.ts';
import { CARRIER_FRAME_MS, silencePayload } from './audio.ts';
import { PROBLEM_KINDS, type CallOutcome, type CallPlan, type CallResult, type CallTurn, type ProblemKind } from './call-types.ts';
import { bytesPerMs, sampleRateOf, type CarrierFlavour } from './flavour.ts';
import { checkPayload, type SizeRule } from './payload.ts';
import { Playout } from './playout.ts';

export { PROBLEM_KINDS, type CallOutcome, type CallPlan, type CallResult, type CallTurn, type ProblemKind } from './call-types.ts';

/** A running call. */
export interface RunningCall {
  readonly done: Promise<CallResult>;
  /** Hangs up now (`stop`, then close); open turns end `call_ended`. */
  hangUp(reason: string): void;
}

const PROBLEM_EXAMPLES = 5;
const CLOSE_GRACE_MS = 2000;

/** Size rule per flavour: Telnyx RTP-mode chunks are 20 ms to 30 s; Twilio takes any non-empty size. */
function sizeRule(flavour: CarrierFlavour): SizeRule {
  return flavour.name === 'telnyx' ? { minMs: 20, maxMs: 30_000 } : { minMs: null, maxMs: null };
}

type Phase = 'connecting' | 'think' | 'speak' | 'await' | 'hangup' | 'ended';

/** Starts one call; the promise settles once the call has ended, whatever the bridge does. */
export function startCall(plan: CallPlan, deps: { clock: Clock; pacer: Pacer; now?: () => Date }): RunningCall {
  const { clock, pacer } = deps;
  const now = deps.now ?? (() => new Date());
  const f = plan.flavour;
  const silence = silencePayload(plan.codec);
  const bpm = bytesPerMs(plan.codec);
  const rule = sizeRule(f);
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

  let seq = 0;
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
    if (stopSent || ws.readyState !== WebSocket.OPEN) return;
    ws.send(f.mark(++seq, name, plan.ids));
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
    if (ws.readyState === WebSocket.OPEN) {
      ws.send(f.stop(++seq, plan.ids));
      ws.close(1000, 'call ended');
    }
    timers.push(clock.setTimeout(() => ws.terminate(), CLOSE_GRACE_MS));
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

  const nextFrame = (i: number): string | null => {
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
    return f.media(++seq, i + 1, i * CARRIER_FRAME_MS, payload, plan.ids);
  };

  // ---- the bridge's messages ---------------------------------------------------------------------
  const onMedia = (b64: string): void => {
    const check = checkPayload(b64, plan.codec, rule);
    if (!check.ok) {
      problem(check.problem, check.reason);
      return;
    }
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
    playout.media(check.bytes.length);
    lastAudioUs = nowUs;
    if (answer !== null && answer.t === latest) {
      const a = answer;
      a.t.audioMs += check.bytes.length / bpm;
      if (a.t.onsetUs === null) {
        let bytes = check.bytes;
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

  const onMessage = (data: WebSocket.RawData, isBinary: boolean): void => {
    if (finished) return;
    if (isBinary) {
      problem('invalid_message', 'a binary frame (the carrier accepts JSON text frames only)');
      return;
    }
    const msg = f.parse(data.toString());
    if (msg.kind === 'invalid') {
      problem(msg.reason.startsWith('invalid JSON') ? 'invalid_json' : 'invalid_message', msg.reason);
      return;
    }
    if (msg.kind === 'other') {
      result.otherEvents[msg.event] = (result.otherEvents[msg.event] ?? 0) + 1;
      return;
    }
    if (stopSent) {
      // Bridge messages carry no sequence numbers, so order is observable only against the call's
      // end: a message after `stop` is counted, not judged (one already in flight when the carrier
      // hung up is a race, not a bridge bug).
      result.afterStop++;
      return;
    }
    const idKey = f.name === 'twilio' ? 'streamSid' : 'stream_id';
    if (msg.streamId === null ? f.streamIdRequired : msg.streamId !== plan.ids.streamId) {
      problem('wrong_stream_id', msg.streamId === null ? `${msg.kind} without ${idKey}` : `${msg.kind} for ${idKey} ${oneLine(msg.streamId, 40)}, this call's is ${plan.ids.streamId}`);
      return;
    }
    if (msg.kind === 'media') onMedia(msg.payload);
    else if (msg.kind === 'mark') {
      result.marks.received++;
      if (msg.name === null) result.marks.unnamed++;
      playout.mark(msg.name);
    } else {
      result.clears++;
      const dropped = playout.clear();
      const t = result.turns[turnIdx];
      if (t && t.isBargeIn && t.speechStartSentUs !== null && t.clearUs === null) {
        t.clearUs = clock.nowUs();
        t.droppedAudioMs = dropped;
      }
    }
  };

  // ---- the socket --------------------------------------------------------------------------------
  const ws = new WebSocket(plan.url, { perMessageDeflate: false, headers: { ...plan.headers }, handshakeTimeout: plan.connectTimeoutMs });
  timers.push(
    clock.setTimeout(() => {
      if (phase !== 'connecting') return;
      ws.terminate();
      finish('connect_failed', `no WebSocket handshake from the bridge within ${plan.connectTimeoutMs} ms`);
    }, plan.connectTimeoutMs),
  );
  ws.on('unexpected-response', (_req, res) => {
    finish('connect_failed', `HTTP ${res.statusCode ?? '?'} ${res.statusMessage ?? ''} on the WebSocket upgrade`.trim());
    res.resume();
    ws.terminate();
  });
  ws.on('error', (err) => {
    if (phase === 'connecting') finish('connect_failed', redactSecrets(networkReason(err).reason, plan.headers));
    else finish('closed_by_bridge', `socket error: ${redactSecrets(err.message, plan.headers)}`);
  });
  ws.on('message', onMessage);
  ws.on('close', (code, reason) => {
    result.closeCode = code;
    if (!stopSent) finish('closed_by_bridge', `the bridge closed the stream mid-call (close ${code}${reason.length ? ` ${oneLine(reason.toString(), 80)}` : ''})`);
    else finish('completed', null);
  });
  ws.on('open', () => {
    if (finished) return;
    const openUs = clock.nowUs();
    result.setupMs = (openUs - setupStartUs) / 1000;
    ws.send(f.connected());
    ws.send(f.start(++seq, plan.ids, plan.format, plan.customParameters));
    if (plan.turns.length === 0) enter('hangup', Math.round(plan.hangupAfterMs / CARRIER_FRAME_MS));
    else startTurn(0, false);
    const startUs = clock.nowUs();
    for (const d of plan.dtmf) {
      timers.push(
        clock.setTimeout(() => {
          if (finished || stopSent || ws.readyState !== WebSocket.OPEN) return;
          ws.send(f.dtmf(++seq, d.digit, plan.ids, now()));
          result.dtmfSent++;
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
        if (ws.readyState === WebSocket.OPEN) ws.send(frame);
      },
      { startUs, chunkMs: CARRIER_FRAME_MS },
    );
  });

  return {
    done,
    hangUp: (reason: string) => {
      if (finished) return;
      if (phase === 'connecting') {
        ws.terminate();
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
