/**
 * The per-session judge: a {@link ClientObserver} that follows one session's client and server
 * events and turns what the client did into findings (rules.ts). It reads only wire events, so any
 * door can feed it. Cross-session rules (reconnects, storms) are decided by the per-server
 * collector (collector.ts), which this judge reports to.
 */
import { bytesPerMs, parseWireAudioFormat, type WireAudioFormat } from '../../common/audio/formats.ts';
import { InputAudioAnalysis } from './audio-analysis.ts';
import type { ClientObserver, ClientSessionInfo, ObservedEvent } from './observer.ts';
import { PacingTracker } from './pacing.ts';
import { ruleById, type ClientFinding } from './rules.ts';

const PCM24K: WireAudioFormat = { type: 'audio/pcm', rate: 24000 };

/** Error codes whose rule is judged on its own (not again as `protocol.rejected_event`). */
const CODES_WITH_OWN_RULE = new Set(['conversation_already_has_active_response', 'cannot_update_voice', 'session_expired', 'beta_api_shape_disabled', 'rate_limit_exceeded']);

/** Beta-era session fields (docs/realtime-protocol.md, beta → GA renames). */
const BETA_SESSION_FIELDS = ['modalities', 'voice', 'input_audio_format', 'output_audio_format', 'input_audio_transcription', 'turn_detection', 'input_audio_noise_reduction', 'max_response_output_tokens', 'temperature'];
/** Beta-era client event types. */
const BETA_CLIENT_EVENTS = new Set(['transcription_session.update']);

/** A barge-in is answered with a truncate within the session; the evidence keeps when it happened. */
interface PendingBargeIn {
  atUs: number;
  itemId: string | null;
  playedMs: number;
  totalMs: number;
}

/** What the collector learns from a judge. */
export interface JudgeHost {
  /** Called once by sessionOpened: returns the stable client key cross-session rules group by. */
  opened(judge: SessionJudge): string;
  /** A rate limit was reported to this session's client. */
  rateLimited(judge: SessionJudge, atUs: number, retryAfterMs: number): void;
  /** The session has ended and its own findings are final. */
  closed(judge: SessionJudge): void;
}

/** The client event a finding points at (index always known for client events). */
type EventRef = { readonly type: string; readonly eventId: string | null; readonly index: number };

const asRecord = (v: unknown): Record<string, unknown> | null => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : null);

/** `Please try again in 1m26.4s` / `in 1.2s` / `in 350ms` → ms; 1000 when absent. */
export function retryHintMs(message: unknown): number {
  if (typeof message !== 'string') return 1000;
  const m = /try again in\s+(?:(\d+)m)?\s*(\d+(?:\.\d+)?)(ms|s)\b/i.exec(message);
  if (!m) return 1000;
  const minutes = m[1] ? Number(m[1]) : 0;
  const value = Number(m[2]);
  return minutes * 60_000 + (m[3] === 'ms' ? value : value * 1000);
}

/** Judges one session. */
export class SessionJudge implements ClientObserver {
  info: ClientSessionInfo | null = null;
  client = 'unknown';
  readonly findings: ClientFinding[] = [];
  closeCode: number | null = null;
  closeReason = '';
  closedUs: number | null = null;
  /** The session ended with `session_expired`. */
  expired = false;
  /** Set by the collector: this session is the client's reconnect after an expiry. */
  reconnectAfterExpiryOf: string | null = null;
  /** The client created conversation items (its context) in this session. */
  restoredContext = false;
  /** Client events seen. */
  clientEvents = 0;
  lastUs = 0;

  private readonly fired = new Set<string>();
  private lastFlaggedIndex = -1;
  private createdSeen = false;
  private inputFormat: WireAudioFormat = PCM24K;
  private outputFormat: WireAudioFormat = PCM24K;
  private pendingFormat: { format: WireAudioFormat; index: number } | null = null;
  private vadOn = true;
  private voice: string | null = null;
  private readonly active = new Set<string>();
  /** response.create sent and not yet answered by response.created or an error. */
  private pendingCreates = 0;
  private responseSinceAppend = false;
  private assistantAudio = false;
  private readonly issuedCalls = new Map<string, { name: string; index: number | null; atUs: number }>();
  private readonly answeredCalls = new Set<string>();
  private readonly playback = new Map<string, { firstUs: number; audioMs: number; itemId: string | null }>();
  private pendingBargeIn: PendingBargeIn | null = null;
  private lastRateLimit: { atUs: number; hintMs: number; retries: number; flagged: boolean } | null = null;
  private lastClient: { type: string; eventId: string | null; index: number } | null = null;
  /** One analysis per stretch of audio in one declared format, with the index of its first append. */
  private readonly analyses: { format: WireAudioFormat; analysis: InputAudioAnalysis; firstIndex: number }[] = [];
  private pacing = new PacingTracker();

  constructor(private readonly host: JudgeHost) {}

  get sessionId(): string | null {
    return this.info?.sessionId ?? null;
  }

  // ---- ClientObserver ------------------------------------------------------------------------

  sessionOpened(info: ClientSessionInfo): void {
    this.info = info;
    this.lastUs = info.openedUs;
    this.client = this.host.opened(this);
    if (info.beta.header || info.beta.subprotocol) {
      const how = [info.beta.header ? 'the OpenAI-Beta: realtime=v1 header' : null, info.beta.subprotocol ? 'the openai-beta.realtime-v1 subprotocol' : null].filter(Boolean).join(' and ');
      this.report('protocol.beta_client', null, info.openedUs, `the upgrade carried ${how}; the service answers beta_api_shape_disabled and closes 4000`);
    }
    if (info.keyQueryParams.length > 0) {
      this.report('security.key_in_query', null, info.openedUs, `the upgrade URL carried a key in query parameter(s) ${info.keyQueryParams.map((p) => `'${p}'`).join(', ')} (value not recorded)`);
    }
    const browserForm = info.origin !== null || info.credentialForm === 'subprotocol';
    if (browserForm && info.credentialKind === 'standard') {
      const why = [info.origin !== null ? `an Origin header (${info.origin})` : null, info.credentialForm === 'subprotocol' ? 'the key in the openai-insecure-api-key subprotocol' : null].filter(Boolean).join(' and ');
      this.report('security.standard_key_in_browser', null, info.openedUs, `a standard (non-ephemeral) key came with ${why}: a browser holding the account key`);
    }
  }

  clientEvent(event: ObservedEvent, receivedUs: number): void {
    const index = this.clientEvents++;
    this.lastUs = receivedUs;
    const ref = { type: event.type, eventId: typeof event['event_id'] === 'string' ? event['event_id'] : null, index };
    this.lastClient = ref;
    if (!this.createdSeen) this.report('lifecycle.event_before_session_created', ref, receivedUs, `'${event.type}' arrived before the server had sent session.created`);
    if (BETA_CLIENT_EVENTS.has(event.type)) this.report('protocol.beta_payload', ref, receivedUs, `'${event.type}' is a beta event; GA uses session.update with session.type`);
    switch (event.type) {
      case 'session.update':
        return this.onSessionUpdate(event, ref, receivedUs);
      case 'input_audio_buffer.append':
        return this.onAppend(event, ref, receivedUs);
      case 'response.create': {
        const response = asRecord(event['response']);
        const outOfBand = response?.['conversation'] === 'none';
        if (!outOfBand && (this.active.size > 0 || this.pendingCreates > 0)) {
          const what = this.active.size > 0 ? [...this.active].join(', ') : 'the response of an earlier response.create';
          this.report('lifecycle.response_while_active', ref, receivedUs, `response.create while ${what} was still in progress (no response.done yet)`);
        }
        if (!outOfBand) this.pendingCreates += 1;
        const rl = this.lastRateLimit;
        if (rl && receivedUs - rl.atUs < rl.hintMs * 1000) {
          rl.retries += 1;
          if (rl.retries >= 3 && !rl.flagged) {
            rl.flagged = true;
            this.report('lifecycle.reconnect_storm', ref, receivedUs, `${rl.retries} response.create within ${(rl.hintMs / 1000).toFixed(1)} s of rate_limit_exceeded, which said to try again in ${(rl.hintMs / 1000).toFixed(1)} s`);
          }
        }
        return;
      }
      case 'conversation.item.create': {
        const item = asRecord(event['item']);
        this.restoredContext = true;
        if (item?.['type'] === 'function_call' && typeof item['call_id'] === 'string') this.issuedCalls.set(item['call_id'], { name: String(item['name'] ?? ''), index: null, atUs: receivedUs });
        if (item?.['type'] === 'function_call_output') {
          const callId = item['call_id'];
          if (typeof callId === 'string' && this.issuedCalls.has(callId)) this.answeredCalls.add(callId);
          else this.report('lifecycle.function_output_unknown_call', ref, receivedUs, `function_call_output for call_id ${JSON.stringify(callId)}, which no function_call of this session carried (known: ${[...this.issuedCalls.keys()].join(', ') || 'none'})`);
        }
        return;
      }
      case 'conversation.item.truncate':
        this.pendingBargeIn = null;
        return;
    }
  }

  serverEvent(event: ObservedEvent, sentUs: number): void {
    this.lastUs = sentUs;
    switch (event.type) {
      case 'session.created':
      case 'session.updated': {
        this.createdSeen = true;
        this.applySession(asRecord(event['session']));
        this.pendingFormat = null;
        return;
      }
      case 'response.created': {
        const id = asRecord(event['response'])?.['id'];
        // Out-of-band responses (conversation_id null) may run beside the conversation's one.
        this.responseSinceAppend = true;
        if (asRecord(event['response'])?.['conversation_id'] !== null) {
          if (typeof id === 'string') this.active.add(id);
          this.pendingCreates = Math.max(0, this.pendingCreates - 1);
        }
        return;
      }
      case 'response.output_audio.delta': {
        this.assistantAudio = true;
        const id = String(event['response_id'] ?? '');
        const delta = typeof event['delta'] === 'string' ? event['delta'] : '';
        const ms = (Math.floor((delta.length * 3) / 4) / bytesPerMs(this.outputFormat)) || 0;
        const p = this.playback.get(id) ?? { firstUs: sentUs, audioMs: 0, itemId: typeof event['item_id'] === 'string' ? event['item_id'] : null };
        p.audioMs += ms;
        this.playback.set(id, p);
        return;
      }
      case 'input_audio_buffer.speech_started':
        return this.onSpeechStarted(sentUs);
      case 'response.output_item.done': {
        const item = asRecord(event['item']);
        if (item?.['type'] === 'function_call' && typeof item['call_id'] === 'string') this.issuedCalls.set(item['call_id'], { name: String(item['name'] ?? ''), index: this.clientEvents, atUs: sentUs });
        return;
      }
      case 'response.done': {
        const response = asRecord(event['response']);
        const id = response?.['id'];
        if (typeof id === 'string') this.active.delete(id);
        const error = asRecord(asRecord(response?.['status_details'])?.['error']);
        if (error?.['code'] === 'rate_limit_exceeded') this.onRateLimit(sentUs, retryHintMs(error['message']));
        return;
      }
      case 'error': {
        const error = asRecord(event['error']);
        const code = typeof error?.['code'] === 'string' ? error['code'] : null;
        if (code === 'session_expired') this.expired = true;
        // A rejected response.create starts no response.
        if (this.lastClient?.type === 'response.create') this.pendingCreates = Math.max(0, this.pendingCreates - 1);
        if (code === 'rate_limit_exceeded') this.onRateLimit(sentUs, retryHintMs(error?.['message']));
        if (this.pendingFormat) this.pendingFormat = null;
        // An error answering a client event another rule already flagged is that rule's evidence, not a second finding.
        const alreadyFlagged = this.lastClient !== null && this.lastClient.index === this.lastFlaggedIndex;
        if (code !== null && !CODES_WITH_OWN_RULE.has(code) && !alreadyFlagged && !this.fired.has(`protocol.rejected_event:${code}`)) {
          this.fired.add(`protocol.rejected_event:${code}`);
          this.push('protocol.rejected_event', this.lastClient, sentUs, `the server answered error ${code}${error?.['param'] ? ` (param ${String(error['param'])})` : ''}: ${String(error?.['message'] ?? '')}`);
        }
        return;
      }
    }
  }

  sessionClosed(code: number, reason: string): void {
    if (this.closeCode !== null) return;
    this.closeCode = code;
    this.closeReason = reason;
    this.closedUs = this.lastUs;
    this.finish();
    // The collector keeps every judge for the report: drop what only the verdicts needed.
    this.analyses.length = 0;
    this.pacing = new PacingTracker();
    this.playback.clear();
    this.host.closed(this);
  }

  // ---- internals ---------------------------------------------------------------------------

  /** Adds a finding for a rule once per session (repeat offences are one finding). */
  report(rule: string, event: ClientFinding['event'], atUs: number, evidence: string): void {
    if (event && event.index !== null) this.lastFlaggedIndex = event.index;
    if (this.fired.has(rule)) return;
    this.fired.add(rule);
    this.push(rule, event, atUs, evidence);
  }

  private push(rule: string, event: ClientFinding['event'], atUs: number, evidence: string): void {
    if (event && event.index !== null) this.lastFlaggedIndex = event.index;
    const r = ruleById(rule);
    const opened = this.info?.openedUs ?? atUs;
    this.findings.push({ rule, severity: r.severity, title: r.title, sessionId: this.sessionId, client: this.client, event, atMs: Math.max(0, Math.round((atUs - opened) / 1000)), evidence, fix: r.fix, source: r.source });
  }

  private applySession(session: Record<string, unknown> | null): void {
    if (!session) return;
    const audio = asRecord(session['audio']);
    const input = asRecord(audio?.['input']);
    const output = asRecord(audio?.['output']);
    if (input && 'format' in input) {
      const f = parseWireAudioFormat(input['format'], 'format');
      if (f.ok) this.inputFormat = f.format;
    }
    if (output && 'format' in output) {
      const f = parseWireAudioFormat(output['format'], 'format');
      if (f.ok) this.outputFormat = f.format;
    }
    if (input && 'turn_detection' in input) this.vadOn = input['turn_detection'] !== null;
    if (typeof output?.['voice'] === 'string') this.voice = output['voice'];
  }

  private onSessionUpdate(event: ObservedEvent, ref: EventRef, atUs: number): void {
    const session = asRecord(event['session']);
    if (!session) return;
    const beta = BETA_SESSION_FIELDS.filter((k) => k in session);
    if (beta.length > 0 || session['type'] === undefined) {
      this.report('protocol.beta_payload', ref, atUs, beta.length > 0 ? `session.update with beta field(s) ${beta.join(', ')}` : 'session.update without session.type (GA requires "realtime" or "transcription")');
    }
    const audio = asRecord(session['audio']);
    const format = asRecord(audio?.['input'])?.['format'];
    if (format !== undefined) {
      const f = parseWireAudioFormat(format, 'format');
      if (f.ok && JSON.stringify(f.format) !== JSON.stringify(this.inputFormat)) this.pendingFormat = { format: f.format, index: ref.index };
    }
    const voice = asRecord(audio?.['output'])?.['voice'];
    if (typeof voice === 'string' && this.assistantAudio && voice !== this.voice) {
      this.report('lifecycle.voice_after_audio', ref, atUs, `session.update set voice '${voice}' after assistant audio in voice '${this.voice ?? 'default'}' was sent`);
    }
  }

  private onAppend(event: ObservedEvent, ref: EventRef, atUs: number): void {
    const audio = event['audio'];
    if (typeof audio !== 'string') return;
    if (this.pendingFormat) {
      this.report('lifecycle.audio_before_format_confirmed', ref, atUs, `audio appended after session.update (client event #${this.pendingFormat.index}) changed audio.input.format to ${this.pendingFormat.format.type}, before session.updated confirmed it`);
    }
    const format = this.pendingFormat?.format ?? this.inputFormat;
    const bytes = Buffer.from(audio, 'base64');
    let current = this.analyses.at(-1);
    if (!current || JSON.stringify(current.format) !== JSON.stringify(format)) {
      current = { format, analysis: new InputAudioAnalysis(), firstIndex: ref.index };
      this.analyses.push(current);
    }
    current.analysis.push(bytes, format);
    // A pause while the agent answers is normal: excused when a response ran at any time since the last append.
    this.pacing.add(atUs, bytes.length / bytesPerMs(format), this.vadOn, this.active.size > 0 || this.responseSinceAppend, ref.index, format.type === 'audio/pcm');
    this.responseSinceAppend = false;
  }

  private onSpeechStarted(atUs: number): void {
    if (this.info?.transport !== 'websocket') return;
    for (const p of this.playback.values()) {
      const playedMs = (atUs - p.firstUs) / 1000;
      if (playedMs < p.audioMs) {
        if (this.pendingBargeIn === null) this.pendingBargeIn = { atUs, itemId: p.itemId, playedMs, totalMs: p.audioMs };
        return;
      }
    }
  }

  private onRateLimit(atUs: number, hintMs: number): void {
    const rl = this.lastRateLimit;
    // Limited again before the last hint elapsed: the same episode, so retries keep counting.
    if (rl && atUs - rl.atUs < rl.hintMs * 1000) Object.assign(rl, { atUs, hintMs });
    else this.lastRateLimit = { atUs, hintMs, retries: 0, flagged: false };
    this.host.rateLimited(this, atUs, hintMs);
  }

  private finish(): void {
    const end = this.closedUs ?? this.lastUs;
    const wrongFormat = new Set<string>();
    for (const { analysis, firstIndex } of this.analyses) {
      for (const v of analysis.verdicts()) {
        if (v.rule === 'audio.g711_as_pcm16' || v.rule === 'audio.big_endian' || v.rule === 'audio.stereo_interleaved') wrongFormat.add(v.rule);
        // Judged on the whole stretch: the event is its first append, the time the session's end.
        this.report(v.rule, { type: 'input_audio_buffer.append', eventId: null, index: firstIndex }, end, v.evidence);
      }
    }
    for (const v of this.pacing.verdicts()) {
      // Durations were counted in the declared format: meaningless when the bytes are another format.
      if (wrongFormat.size > 0) continue;
      this.report(v.rule, { type: 'input_audio_buffer.append', eventId: null, index: v.eventIndex }, end, v.evidence);
    }
    for (const [callId, call] of this.issuedCalls) {
      if (!this.answeredCalls.has(callId) && call.index !== null) {
        this.report('lifecycle.function_output_missing', null, call.atUs, `function_call ${call.name} (call_id ${callId}) got no function_call_output before the session ended`);
      }
    }
    if (this.pendingBargeIn) {
      const b = this.pendingBargeIn;
      this.report('lifecycle.no_truncate_after_barge_in', { type: 'input_audio_buffer.speech_started', eventId: null, index: null }, b.atUs,
        `speech_started ${b.playedMs.toFixed(0)} ms into ${b.totalMs.toFixed(0)} ms of assistant audio${b.itemId ? ` (item ${b.itemId})` : ''}; no conversation.item.truncate followed, so the server keeps text the user never heard`);
    }
    const durationS = this.info ? (end - this.info.openedUs) / 1e6 : 0;
    if (this.expired || durationS >= 3600) {
      this.report('lifecycle.session_cap', null, end, this.expired ? `the session ran until the server ended it with session_expired after ${(durationS / 60).toFixed(1)} min` : `the session lasted ${(durationS / 60).toFixed(1)} min, past the 60-minute cap of the real service`);
    }
  }
}
