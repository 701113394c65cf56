/**
 * With the bundled mock as the bridge's upstream, each answer's latency split into the caller → mock
 * leg, the model's own part and the bridge's outbound overhead, from the mock's ground-truth trace
 * (`mock-trace.jsonl`: every stamp on the machine's shared monotonic clock, like the carrier's):
 *
 * - `bridge_in_ms`  = mock received the caller's last speech (`turn_audio_end_us`) − carrier sent it;
 * - `model_ms`      = mock sent the first audio (`first_audio_sent_us`) − `turn_audio_end_us`
 *                      (end-of-turn detection plus the model's first-audio delay);
 * - `bridge_out_ms` = carrier received the answer's first audio frame − `first_audio_sent_us`.
 *
 * The bridge does not pass ids through, so calls are matched to mock sessions by time: a call and a
 * session match when their turns' speech-end stamps agree (mean gap below {@link MATCH_WINDOW_MS}),
 * best pairs first, one session per call.
 */
import { existsSync, readFileSync } from 'node:fs';
import type { TraceRecord } from '../../mock-server/index.ts';
import type { CallTurn } from './call.ts';

/** Largest mean |mock end-of-speech − carrier end-of-speech| for a call ↔ session match, ms. */
export const MATCH_WINDOW_MS = 400;

/** One turn's split, ms (null where a stamp is missing). */
export interface TurnSplit {
  bridgeInMs: number | null;
  modelMs: number | null;
  bridgeOutMs: number | null;
  responseId: string;
  /** The mock's `response.done` status for the answer (`cancelled` after a barge-in). */
  responseStatus: string;
}

/** The mock's trace as records (a torn last line is skipped). */
export function readTrace(path: string): TraceRecord[] {
  if (!existsSync(path)) return [];
  const out: TraceRecord[] = [];
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    if (!line.trim()) continue;
    try {
      const r = JSON.parse(line) as TraceRecord;
      if (typeof r.session_id === 'string' && typeof r.turn_index === 'number') out.push(r);
    } catch {
      // a line torn by an interrupted mock
    }
  }
  return out;
}

/**
 * Matches calls to mock sessions and splits each matched turn.
 * @returns `call:turn` → split, and how many turns with an answer found no match
 */
export function splitTurns(turns: readonly CallTurn[], trace: readonly TraceRecord[]): { splits: Map<string, TurnSplit>; matchedCalls: number; unmatchedTurns: number } {
  // Session → turn index → the first response answering that turn.
  const sessions = new Map<string, Map<number, TraceRecord>>();
  for (const r of trace) {
    if (r.turn_index < 1 || r.turn_audio_end_us === null) continue;
    let byTurn = sessions.get(r.session_id);
    if (!byTurn) sessions.set(r.session_id, (byTurn = new Map()));
    const prev = byTurn.get(r.turn_index);
    if (!prev || r.delays_start_us < prev.delays_start_us) byTurn.set(r.turn_index, r);
  }
  const calls = new Map<number, CallTurn[]>();
  for (const t of turns) {
    if (t.speechEndSentUs === null) continue;
    const list = calls.get(t.call) ?? [];
    list.push(t);
    calls.set(t.call, list);
  }
  const pairs: { call: number; session: string; cost: number }[] = [];
  for (const [call, list] of calls) {
    for (const [session, byTurn] of sessions) {
      let sum = 0;
      let n = 0;
      for (const t of list) {
        const r = byTurn.get(t.turn);
        if (!r) continue;
        sum += Math.abs(r.turn_audio_end_us! - t.speechEndSentUs!) / 1000;
        n++;
      }
      if (n > 0 && sum / n <= MATCH_WINDOW_MS) pairs.push({ call, session, cost: sum / n - n * 1e-3 });
    }
  }
  pairs.sort((a, b) => a.cost - b.cost);
  const callSession = new Map<number, string>();
  const used = new Set<string>();
  for (const p of pairs) {
    if (callSession.has(p.call) || used.has(p.session)) continue;
    callSession.set(p.call, p.session);
    used.add(p.session);
  }
  const splits = new Map<string, TurnSplit>();
  let unmatchedTurns = 0;
  for (const t of turns) {
    if (t.firstAudioUs === null || t.speechEndSentUs === null) continue;
    const s = callSession.get(t.call);
    const r = s === undefined ? undefined : sessions.get(s)!.get(t.turn);
    if (!r) {
      unmatchedTurns++;
      continue;
    }
    const ms = (a: number | null, b: number | null): number | null => (a === null || b === null ? null : Math.round(a - b) / 1000);
    splits.set(`${t.call}:${t.turn}`, {
      bridgeInMs: ms(r.turn_audio_end_us, t.speechEndSentUs),
      modelMs: ms(r.first_audio_sent_us, r.turn_audio_end_us),
      bridgeOutMs: ms(t.firstAudioUs, r.first_audio_sent_us),
      responseId: r.response_id,
      responseStatus: r.status,
    });
  }
  return { splits, matchedCalls: callSession.size, unmatchedTurns };
}
