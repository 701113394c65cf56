/**
 * The conformance checker of GPT-Live sessions: the `LIVE-…` rules of the catalogue, judged on one
 * connection's server events (and the client events the harness sent). Cites docs/live-protocol.md.
 * Keeps only counters, a bounded window of event ids and the client's command ids.
 */
import { LIVE_SERVER_EVENT_TYPES, type LiveServerEventType } from '../protocol/live-server-events.ts';
import { REALTIME_SERVER_EVENT_TYPES } from '../protocol/server-events.ts';
import type { RuleId } from './catalogue.ts';
import { FingerprintWindow } from './fingerprint-window.ts';
import { FindingSink, NO_EVENT, type EventRef } from './findings.ts';
import type { ClientEventInput, ConformanceChecker, ConformanceCheckerOptions, Finding, InputEvent } from './types.ts';
import { asObj, base64DecodedBytes, BoundedSet, show, str, type Obj } from './util.ts';

/** Event ids remembered for the uniqueness rule. */
const EVENT_ID_WINDOW = 4096;
/** Client command ids remembered for the acknowledgement rule. */
const CLIENT_ID_WINDOW = 4096;
/** Types the SDK reserves for its own emitter (§1.2): a server must never send them. */
const SDK_RESERVED = new Set(['open', 'close', 'raw', 'event', 'reconnecting', 'reconnected']);
const CLOSE_REASONS = new Set(['close_requested', 'expired', 'content', 'remote_hangup', 'connection_lost']);
const TRANSCRIPTS = new Set(['session.input_transcript.delta', 'session.output_transcript.delta']);
const SNAPSHOTS = new Set(['session.started', 'session.updated', 'session.closed']);

/** A checker for one Live connection. */
export function createLiveChecker(opts: ConformanceCheckerOptions): ConformanceChecker {
  return new LiveChecker(opts);
}

class LiveChecker implements ConformanceChecker {
  private readonly sink: FindingSink;
  private readonly eventIds = new FingerprintWindow(EVENT_ID_WINDOW);
  private readonly clientIds = new BoundedSet(CLIENT_ID_WINDOW);
  private readonly pcm: boolean;
  private started = false;
  private closedSeen = false;
  private closeSent = false;
  private clientClosed = false;
  private usageSeconds = -1;
  private readonly lastStartMs = new Map<string, number>();
  private result: Finding[] | undefined;

  constructor(opts: ConformanceCheckerOptions) {
    this.sink = new FindingSink(opts.maxFindingsPerRule, opts.sessionId);
    this.pcm = (opts.outputFormat?.type ?? 'audio/pcm') === 'audio/pcm';
  }

  private report(rule: RuleId, message: string, at: EventRef): void {
    this.sink.report(rule, message, at);
  }

  onClientEvent(e: ClientEventInput): void {
    if (this.result) return;
    const id = e.event['event_id'];
    if (typeof id === 'string') this.clientIds.add(id);
    if (e.type === 'session.close') this.closeSent = true;
  }

  onServerEvent(e: InputEvent): void {
    if (this.result) return;
    if (e.kind === 'malformed') return this.report('LIVE-EVENTS-001', `malformed frame: ${e.problem}`, { index: e.index, type: '', raw: e.raw });
    const at: EventRef = { index: e.index, type: e.type, raw: e.raw };
    const ev = asObj(e.event);
    if (this.closedSeen) this.report('LIVE-CLOSE-001', `${e.type} after session.closed`, at);
    if (!LIVE_SERVER_EVENT_TYPES.has(e.type as LiveServerEventType)) {
      const why = SDK_RESERVED.has(e.type) ? 'a type the SDK reserves for itself' : REALTIME_SERVER_EVENT_TYPES.has(e.type as never) ? 'a Realtime event name' : 'not a Live event type';
      return this.report('LIVE-EVENTS-001', `${show(e.type)} on a Live socket: ${why}`, at);
    }
    if (!ev) return;
    const type = e.type;
    if (!this.started && type !== 'error' && type !== 'session.started') this.report('LIVE-SESSION-001', `${type} before session.started`, at);
    this.checkIds(type, ev, at);
    if (SNAPSHOTS.has(type)) this.checkSnapshot(type, ev, at);
    if (TRANSCRIPTS.has(type)) this.checkTranscript(type, ev, at);
    switch (type) {
      case 'session.started':
        if (this.started) this.report('LIVE-SESSION-001', 'a second session.started', at);
        this.started = true;
        return;
      case 'session.output_audio.delta':
        return this.checkAudio(ev, at);
      case 'session.usage.updated':
        return this.checkUsage(ev, at);
      case 'session.closed':
        this.closedSeen = true;
        if (!CLOSE_REASONS.has(String(ev['reason']))) this.report('LIVE-CLOSE-001', `session.closed reason ${show(ev['reason'])} is not one of ${[...CLOSE_REASONS].join(', ')}`, at);
        return this.checkUsage(ev, at);
      case 'session.delegation.created':
        return this.checkDelegation(ev, at);
      case 'error':
        return this.checkError(ev, at);
      default:
        return;
    }
  }

  onClientClose(): void {
    this.clientClosed = true;
  }

  onClose(code: number, _reason: string): void {
    if (this.result) return;
    // An abnormal close (1006) is a lost connection and a client's own close cuts the wait short:
    // neither is a server that skipped finalization.
    if (this.closeSent && !this.closedSeen && !this.clientClosed && code !== 1006) this.report('LIVE-CLOSE-002', `the socket closed ${code} after session.close without session.closed`, NO_EVENT);
  }

  finish(): Finding[] {
    return (this.result ??= this.sink.toArray());
  }

  private checkIds(type: string, ev: Obj, at: EventRef): void {
    const id = ev['event_id'];
    if (type !== 'session.output_audio.delta') {
      if (typeof id !== 'string' || id === '') this.report('LIVE-IDS-001', `${type} has no string event_id (got ${show(id)})`, at);
      else if (!this.eventIds.add(id)) this.report('LIVE-IDS-001', `event_id ${id} repeats an earlier event's`, at);
    }
    const clientId = ev['client_event_id'] ?? asObj(ev['error'])?.['client_event_id'];
    if (clientId !== undefined && clientId !== null && (typeof clientId !== 'string' || !this.clientIds.has(clientId))) {
      this.report('LIVE-ACK-001', `${type} echoes client_event_id ${show(clientId)}, which the client never sent`, at);
    }
  }

  private checkSnapshot(type: string, ev: Obj, at: EventRef): void {
    const s = asObj(ev['session']);
    if (!s) return this.report('LIVE-SESSION-002', `${type} has no session object`, at);
    if (s['status'] !== 'active') this.report('LIVE-SESSION-002', `${type}.session.status is ${show(s['status'])}, expected "active"`, at);
    const id = str(s, 'id');
    if (type === 'session.started' && !id?.startsWith('live_')) this.report('LIVE-SESSION-002', `session id ${show(s['id'])} does not start with live_`, at);
  }

  private checkAudio(ev: Obj, at: EventRef): void {
    const extra = Object.keys(ev).filter((k) => k !== 'type' && k !== 'delta');
    if (extra.length > 0) this.report('LIVE-AUDIO-001', `output audio delta carries ${extra.join(', ')} (primary socket: type and delta only)`, at);
    const d = ev['delta'];
    if (typeof d !== 'string' || d === '') return this.report('LIVE-AUDIO-001', `delta is ${show(d)}, expected non-empty base64`, at);
    const bytes = base64DecodedBytes(d);
    if (bytes < 0) this.report('LIVE-AUDIO-001', 'delta is not valid base64', at);
    else if (this.pcm && bytes % 2 !== 0) this.report('LIVE-AUDIO-001', `delta decodes to ${bytes} bytes: not whole PCM16 samples`, at);
  }

  private checkTranscript(type: string, ev: Obj, at: EventRef): void {
    const s = ev['start_ms'];
    const e = ev['end_ms'];
    if (typeof ev['delta'] !== 'string') this.report('LIVE-TRANSCRIPT-001', `${type}.delta is ${show(ev['delta'])}`, at);
    if (!(Number.isInteger(s) && (s as number) >= 0) || !(Number.isInteger(e) && (e as number) >= (s as number))) {
      return this.report('LIVE-TRANSCRIPT-001', `${type} start_ms ${show(s)} / end_ms ${show(e)}: expected integers with 0 ≤ start_ms ≤ end_ms`, at);
    }
    const last = this.lastStartMs.get(type);
    if (last !== undefined && (s as number) < last) this.report('LIVE-TRANSCRIPT-002', `${type} start_ms went back from ${last} to ${String(s)}`, at);
    this.lastStartMs.set(type, s as number);
  }

  private checkUsage(ev: Obj, at: EventRef): void {
    const seconds = asObj(ev['usage'])?.['seconds'];
    if (typeof seconds !== 'number' || !(seconds >= 0)) return this.report('LIVE-USAGE-001', `usage.seconds is ${show(seconds)}, expected a number ≥ 0`, at);
    if (seconds < this.usageSeconds) this.report('LIVE-USAGE-001', `usage.seconds went down from ${this.usageSeconds} to ${seconds}`, at);
    this.usageSeconds = Math.max(this.usageSeconds, seconds);
  }

  private checkDelegation(ev: Obj, at: EventRef): void {
    const d = asObj(ev['delegation']);
    const problems: string[] = [];
    if (typeof d?.['id'] !== 'string') problems.push(`delegation.id ${show(d?.['id'])}`);
    if (d?.['type'] !== 'delegation') problems.push(`delegation.type ${show(d?.['type'])}`);
    // The harness starts every Live session with client delegation (the default).
    if (d?.['target'] !== 'client') problems.push(`delegation.target ${show(d?.['target'])} on a client-delegated session`);
    if (!(Number.isInteger(ev['offset_ms']) && (ev['offset_ms'] as number) >= 0)) problems.push(`offset_ms ${show(ev['offset_ms'])}`);
    if (problems.length > 0) this.report('LIVE-DELEGATION-001', problems.join('; '), at);
  }

  private checkError(ev: Obj, at: EventRef): void {
    const err = asObj(ev['error']);
    if (!err) return this.report('LIVE-ERROR-001', 'error event without an error object', at);
    const problems = ['type', 'code', 'message'].filter((k) => typeof err[k] !== 'string').map((k) => `error.${k} is ${show(err[k])}`);
    for (const k of ['param', 'client_event_id']) if (err[k] !== undefined && typeof err[k] !== 'string') problems.push(`error.${k} is ${show(err[k])}`);
    if (problems.length > 0) this.report('LIVE-ERROR-001', `${problems.join('; ')} (Live shape: strings, optional fields absent rather than null)`, at);
  }
}
