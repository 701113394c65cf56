/**
 * The per-session conformance checker: one state machine fed every server event, every client event
 * and the close, in order. Session-level rules live here; responses, input items and translation
 * streams have their own trackers. O(1) work per event (plus the event's own fields) and bounded
 * memory: open responses/items/parts and fixed-size id windows, never the event history.
 */
import { createLiveChecker } from './live-checker.ts';
import type { RuleId } from './catalogue.ts';
import { checkErrorShape, checkRateLimits, FATAL_CLOSE_CODES } from './error-rules.ts';
import { BETA_SERVER_NAMES, isKnownName, kindMismatch } from './event-names.ts';
import { FindingSink, NO_EVENT, type EventRef } from './findings.ts';
import { InputTracker } from './input-tracker.ts';
import { ResponseTracker } from './response-tracker.ts';
import { TranslationTracker } from './translation-tracker.ts';
import type { ClientEventInput, ConformanceChecker, ConformanceCheckerOptions, Finding, InputEvent, SessionKind } from './types.ts';
import { FingerprintWindow } from './fingerprint-window.ts';
import { asObj, BoundedSet, show, str, type Obj } from './util.ts';

/** Server event ids remembered for the uniqueness rule (RT-ID-002). */
const EVENT_ID_WINDOW = 8192;
/** Client event ids remembered for `error.event_id` echoes (RT-ERROR-002). */
const CLIENT_ID_WINDOW = 4096;
/** Unanswered `session.update`s remembered (oldest dropped beyond). */
const MAX_PENDING_UPDATES = 32;

interface PendingUpdate {
  eventId: string | undefined;
  ref: EventRef;
}

/**
 * Creates the checker for one session. Feed it with `onServerEvent` / `onClientEvent` / `onClose`
 * and call `finish()` once; see {@link ConformanceCheckerOptions} for defaults.
 */
export function createConformanceChecker(opts: ConformanceCheckerOptions): ConformanceChecker {
  if (opts.sessionKind === 'live') return createLiveChecker(opts);
  return new SessionChecker(opts);
}

class SessionChecker implements ConformanceChecker {
  private readonly kind: SessionKind;
  private readonly sink: FindingSink;
  private readonly report = (ruleId: RuleId, message: string, at: EventRef): void => this.sink.report(ruleId, message, at);
  private readonly responses: ResponseTracker;
  private readonly input: InputTracker;
  private readonly translation: TranslationTracker | null;
  private readonly eventIds = new FingerprintWindow(EVENT_ID_WINDOW);
  private readonly clientIds = new BoundedSet(CLIENT_ID_WINDOW);
  private readonly pendingUpdates: PendingUpdate[] = [];
  private sessionFormatType: string | undefined;
  private createdSeen = false;
  private startJudged = false;
  private fatal: { code: string; at: EventRef } | undefined;
  private closed: { code: number; reason: string } | undefined;
  private result: Finding[] | undefined;

  constructor(opts: ConformanceCheckerOptions) {
    this.kind = opts.sessionKind;
    this.sink = new FindingSink(opts.maxFindingsPerRule, opts.sessionId);
    this.sessionFormatType = this.kind === 'translation' ? 'audio/pcm' : opts.outputFormat?.type;
    this.input = new InputTracker(this.report, this.kind);
    this.responses = new ResponseTracker({
      report: this.report,
      sessionOutputFormatType: () => this.sessionFormatType,
      noteOutputItem: (id) => this.input.noteOutputItem(id),
      knownItem: (id) => this.input.known(id),
    });
    this.translation = this.kind === 'translation' ? new TranslationTracker(this.report) : null;
  }

  onServerEvent(e: InputEvent): void {
    if (this.result) return;
    if (e.kind === 'malformed') {
      const at: EventRef = { index: e.index, type: '', raw: e.raw };
      this.judgeStart('', at);
      this.report('RT-EVENT-003', `malformed frame: ${e.problem}`, at);
      this.translation?.onEvent('', undefined, at);
      return;
    }
    const type = e.type;
    const at: EventRef = { index: e.index, type, raw: e.raw };
    const known = isKnownName(type);
    const ev = e.kind === 'known' ? asObj(e.event) : asObj(e.event) ?? (known ? parseObject(e.raw) : undefined);
    this.judgeStart(type, at);
    if (ev) this.checkEventId(type, ev, at);
    this.translation?.onEvent(type, ev, at);
    const beta = BETA_SERVER_NAMES.get(type);
    if (beta !== undefined) return this.report('RT-EVENT-001', `beta-era event ${type} on a GA session (GA: ${beta})`, at);
    if (!known) {
      if (e.kind === 'unknown') this.report('RT-EVENT-002', `unknown event type ${show(type)}`, at);
      return;
    }
    const mismatch = kindMismatch(type, this.kind);
    if (mismatch) return this.report('RT-EVENT-004', mismatch, at);
    if (!ev) return;
    this.dispatch(type, ev, at);
  }

  private dispatch(type: string, ev: Obj, at: EventRef): void {
    switch (type) {
      case 'session.created':
      case 'session.updated':
        return this.onSession(type, ev, at);
      case 'error':
        return this.onError(ev, at);
      case 'rate_limits.updated': {
        const problems = checkRateLimits(ev);
        if (problems.length > 0) this.report('RT-ERROR-003', problems.join('; '), at);
        return;
      }
      case 'conversation.item.added': {
        const id = str(asObj(ev['item']), 'id');
        if (id !== undefined) this.responses.noteConversationItemAdded(id);
        break;
      }
    }
    if (this.kind === 'realtime' && this.responses.handles(type)) this.responses.onEvent(type, ev, at);
    else if (this.kind !== 'translation' && this.input.handles(type)) this.input.onEvent(type, ev, at);
  }

  /** RT-SESSION-001: `session.created` first (an `error` may come before it, §4.3) and once. */
  private judgeStart(type: string, at: EventRef): void {
    if (type === 'session.created') {
      if (this.createdSeen) this.report('RT-SESSION-001', 'session.created sent a second time', at);
      this.createdSeen = true;
      this.startJudged = true;
      return;
    }
    if (this.startJudged || type === 'error') return;
    this.startJudged = true;
    this.report('RT-SESSION-001', `first server event is ${type ? show(type) : 'a malformed frame'}, expected session.created`, at);
  }

  private checkEventId(type: string, ev: Obj, at: EventRef): void {
    // §2: the SIP dtmf event is the one server event whose SDK type has no event_id.
    if (type === 'input_audio_buffer.dtmf_event_received') return;
    const id = ev['event_id'];
    if (typeof id !== 'string' || id.length === 0) return this.report('RT-ID-001', `${type} has event_id ${show(id)}, expected a non-empty string`, at);
    if (!this.eventIds.add(id)) this.report('RT-ID-002', `event_id ${id} was already used in this session`, at);
  }

  private onSession(type: string, ev: Obj, at: EventRef): void {
    const session = asObj(ev['session']);
    const sessionType = session?.['type'];
    if (sessionType !== undefined && sessionType !== this.kind) {
      this.report('RT-SESSION-003', `${type} session.type is ${show(sessionType)} on a ${this.kind} session`, at);
    }
    const formatType = str(asObj(asObj(asObj(session?.['audio'])?.['output'])?.['format']), 'type');
    if (formatType !== undefined && this.kind !== 'translation') this.sessionFormatType = formatType;
    // §2.2: `session.updated` does not echo the client's event_id, so it answers the oldest update.
    if (type === 'session.updated') this.pendingUpdates.shift();
  }

  private onError(ev: Obj, at: EventRef): void {
    const problems = checkErrorShape(ev);
    if (problems.length > 0) this.report('RT-ERROR-001', problems.join('; '), at);
    const err = asObj(ev['error']);
    const echoed = err?.['event_id'];
    if (typeof echoed === 'string') {
      if (!this.clientIds.has(echoed) && !this.clientIds.overflowed) {
        this.report('RT-ERROR-002', `error.event_id ${show(echoed)} names no client event sent in this session`, at);
      }
      const i = this.pendingUpdates.findIndex((p) => p.eventId === echoed);
      if (i >= 0) this.pendingUpdates.splice(i, 1);
    } else if (str(err, 'param')?.startsWith('session')) {
      // An update sent without event_id can only be matched through the offending parameter's path.
      const i = this.pendingUpdates.findIndex((p) => p.eventId === undefined);
      if (i >= 0) this.pendingUpdates.splice(i, 1);
    }
    const code = str(err, 'code');
    if (code !== undefined && FATAL_CLOSE_CODES.has(code)) this.fatal = { code, at };
  }

  onClientEvent(e: ClientEventInput): void {
    if (this.result) return;
    const eventId = e.event['event_id'];
    if (typeof eventId === 'string') this.clientIds.add(eventId);
    switch (e.type) {
      case 'session.update':
        if (this.pendingUpdates.length >= MAX_PENDING_UPDATES) this.pendingUpdates.shift();
        this.pendingUpdates.push({
          eventId: typeof eventId === 'string' ? eventId : undefined,
          ref: { index: -1, type: 'session.update', raw: JSON.stringify(e.event) },
        });
        return;
      case 'conversation.item.create': {
        const id = str(asObj(e.event['item']), 'id');
        if (id !== undefined) this.input.noteClientItem(id);
        return;
      }
      case 'session.close':
        this.translation?.noteCloseRequested();
        return;
    }
  }

  onClose(code: number, reason: string): void {
    if (this.result || this.closed) return;
    this.closed = { code, reason };
    const at: EventRef = { index: -1, type: 'close', raw: JSON.stringify({ code, reason }) };
    if (this.fatal) {
      const expected = FATAL_CLOSE_CODES.get(this.fatal.code)!;
      if (code !== expected) this.report('RT-CLOSE-001', `closed with ${code} after fatal error ${this.fatal.code}, expected ${expected}`, at);
      const expectedReason = 'invalid_request_error.invalid_api_key';
      if (this.fatal.code === 'invalid_api_key' && code === expected && reason !== expectedReason) {
        this.report('RT-CLOSE-001', `close reason ${show(reason)} after invalid_api_key, expected ${show(expectedReason)}`, at);
      }
    }
    this.translation?.onClose(code, reason, at);
  }

  finish(): Finding[] {
    if (this.result) return this.result;
    // Answers owed by the server are not judged when the socket dropped (1006) or a fatal error ended the session.
    const obligations = this.closed?.code !== 1006 && this.fatal === undefined;
    if (obligations) {
      for (const p of this.pendingUpdates) {
        const id = p.eventId === undefined ? '' : ` (event_id ${p.eventId})`;
        this.report('RT-SESSION-002', `session.update${id} was answered by neither session.updated nor an error`, p.ref);
      }
    }
    this.input.finish(obligations);
    this.translation?.finish(obligations, NO_EVENT);
    this.result = this.sink.toArray();
    return this.result;
  }
}

function parseObject(raw: string): Obj | undefined {
  try {
    return asObj(JSON.parse(raw));
  } catch {
    return undefined;
  }
}
