/**
 * How a call reaches the far end, behind one interface so the call engine (call.ts) runs the same
 * turn script, play-out and caller's-ear metrics on every kind of call:
 *
 * - {@link carrierLeg}: the carrier's media stream to a team's bridge (Twilio or Telnyx messages
 *   over a WebSocket): `connected` and `start` on open, `media` frames, `mark` echoes, `dtmf`,
 *   `stop`; the bridge's messages parsed and checked here (flavour.ts, payload.ts).
 * - {@link sipLeg}: a SIP call placed as a trunk would (harness/sip/sip-wire.ts): INVITE, G.711
 *   RTP both ways, RFC 4733 DTMF, BYE. SIP has no marks and no `clear`: the far end just stops
 *   sending audio.
 */
import WebSocket from 'ws';
import type { Clock } from '../../common/clock.ts';
import { networkReason, oneLine, redactSecrets } from '../transport/failure-reason.ts';
import { SipWire, parseSipTarget } from '../sip/sip-wire.ts';
import { CARRIER_FRAME_MS } from './audio.ts';
import type { CallPlan, ProblemKind } from './call-types.ts';
import type { CarrierFlavour } from './flavour.ts';
import { checkPayload, type SizeRule } from './payload.ts';

/** What a leg tells the engine. */
export interface LegHandlers {
  /** Whether the engine has hung up (messages after that are counted, not judged). */
  stopped(): boolean;
  /** Media may flow now. */
  open(): void;
  /** The call could not be set up (the reason, one line, no secrets). */
  failed(reason: string): void;
  /** Checked audio from the far end (codec bytes). */
  audio(bytes: Buffer): void;
  mark(name: string | null): void;
  clear(): void;
  problem(kind: ProblemKind, reason: string): void;
  /** A message kind the engine does not use (counted). */
  other(event: string): void;
  /** A message after the engine hung up. */
  afterStop(): void;
  /** The call ended (`code`: a WebSocket close code, or null); `reason` null when the engine ended it. */
  closed(code: number | null, reason: string): void;
}

/** One call's transport. */
export interface CallLeg {
  /** Starts connecting. */
  connect(h: LegHandlers): void;
  /** Whether frames can be sent now. */
  readonly open: boolean;
  /** What the connect timeout says. */
  readonly connectTimeoutReason: string;
  /** The frame for slot `i` carrying one 20 ms payload (base64, as clips store it). */
  frame(i: number, payloadB64: string): string | Uint8Array;
  /** Sends a frame from {@link frame}. */
  send(frame: string | Uint8Array): void;
  /** Echoes a mark whose audio has played (carrier only; no-op elsewhere). */
  mark(name: string | null): void;
  /** Sends a DTMF digit; false when the leg cannot. */
  dtmf(digit: string): boolean;
  /** Ends the call politely (carrier: `stop` then close; SIP: BYE). */
  hangUp(): void;
  /** Drops it at once (still connecting, or stopped by the user). */
  abort(): void;
}

/** Makes the leg of a call. */
export type LegFactory = (plan: CallPlan, deps: { clock: Clock; now: () => Date }) => CallLeg;

/** How long a closing carrier stream may take before it is dropped, ms. */
const CLOSE_GRACE_MS = 2000;

/** Size rule per flavour: Telnyx RTP-mode chunks are 20 ms to 30 s; Twilio takes any non-empty size. */
function sizeRule(flavour: CarrierFlavour): SizeRule {
  return flavour.name === 'telnyx' ? { minMs: 20, maxMs: 30_000 } : { minMs: null, maxMs: null };
}

/** The carrier's media stream to a bridge (Twilio or Telnyx, per `plan.flavour`). */
export const carrierLeg: LegFactory = (plan, { clock, now }) => {
  const f = plan.flavour;
  const rule = sizeRule(f);
  let seq = 0;
  let ws: WebSocket | null = null;
  let opened = false;
  const leg: CallLeg = {
    connectTimeoutReason: `no WebSocket handshake from the bridge within ${plan.connectTimeoutMs} ms`,
    get open() {
      return ws !== null && ws.readyState === WebSocket.OPEN;
    },
    connect(h) {
      const sock = new WebSocket(plan.url, { perMessageDeflate: false, headers: { ...plan.headers }, handshakeTimeout: plan.connectTimeoutMs });
      ws = sock;
      sock.on('unexpected-response', (_req, res) => {
        h.failed(`HTTP ${res.statusCode ?? '?'} ${res.statusMessage ?? ''} on the WebSocket upgrade`.trim());
        res.resume();
        sock.terminate();
      });
      sock.on('error', (err) => {
        if (!opened) h.failed(redactSecrets(networkReason(err).reason, plan.headers));
        else h.closed(null, `socket error: ${redactSecrets(err.message, plan.headers)}`);
      });
      sock.on('close', (code, reason) => h.closed(code, `the bridge closed the stream mid-call (close ${code}${reason.length ? ` ${oneLine(reason.toString(), 80)}` : ''})`));
      sock.on('message', (data, isBinary) => {
        if (isBinary) return h.problem('invalid_message', 'a binary frame (the carrier accepts JSON text frames only)');
        const msg = f.parse(data.toString());
        if (msg.kind === 'invalid') return h.problem(msg.reason.startsWith('invalid JSON') ? 'invalid_json' : 'invalid_message', msg.reason);
        if (msg.kind === 'other') return h.other(msg.event);
        // Bridge messages carry no sequence numbers, so order is observable only against the call's
        // end: a message after `stop` is counted, not judged (one in flight when the carrier hung up
        // is a race, not a bridge bug).
        if (h.stopped()) return h.afterStop();
        const idKey = f.name === 'twilio' ? 'streamSid' : 'stream_id';
        if (msg.streamId === null ? f.streamIdRequired : msg.streamId !== plan.ids.streamId) {
          return h.problem('wrong_stream_id', msg.streamId === null ? `${msg.kind} without ${idKey}` : `${msg.kind} for ${idKey} ${oneLine(msg.streamId, 40)}, this call's is ${plan.ids.streamId}`);
        }
        if (msg.kind === 'media') {
          const check = checkPayload(msg.payload, plan.codec, rule);
          if (!check.ok) return h.problem(check.problem, check.reason);
          h.audio(check.bytes);
        } else if (msg.kind === 'mark') h.mark(msg.name);
        else h.clear();
      });
      sock.on('open', () => {
        opened = true;
        sock.send(f.connected());
        sock.send(f.start(++seq, plan.ids, plan.format, plan.customParameters));
        h.open();
      });
    },
    frame: (i, payload) => f.media(++seq, i + 1, i * CARRIER_FRAME_MS, payload, plan.ids),
    send: (frame) => ws?.send(frame),
    mark: (name) => ws?.send(f.mark(++seq, name, plan.ids)),
    dtmf: (digit) => {
      ws?.send(f.dtmf(++seq, digit, plan.ids, now()));
      return true;
    },
    hangUp: () => {
      const sock = ws;
      if (sock === null) return;
      if (sock.readyState === WebSocket.OPEN) {
        sock.send(f.stop(++seq, plan.ids));
        sock.close(1000, 'call ended');
      }
      clock.setTimeout(() => sock.terminate(), CLOSE_GRACE_MS);
    },
    abort: () => ws?.terminate(),
  };
  return leg;
};

/** A SIP call to `plan.url` (`sip:user@host:port`), G.711 per `plan.codec` (PCMU or PCMA). */
export const sipLeg: LegFactory = (plan, { clock }) => {
  const target = parseSipTarget(plan.url);
  const codec = plan.codec === 'PCMA' ? 'pcma' : 'pcmu';
  let wire: SipWire | null = null;
  let answered = false;
  let ended = false;
  let first = true;
  const leg: CallLeg = {
    connectTimeoutReason: `no answer to the INVITE within ${plan.connectTimeoutMs} ms`,
    get open() {
      return answered && !ended;
    },
    connect(h) {
      if (target === null) return h.failed(`not a SIP target: '${plan.url}' (expected sip:user@host:port)`);
      const w = new SipWire({ target, codec, answerTimeoutMs: plan.connectTimeoutMs, headers: plan.headers, nowUs: () => clock.nowUs() });
      wire = w;
      w.call({
        audio: (bytes) => {
          if (h.stopped()) return h.afterStop();
          h.audio(bytes);
        },
        ended: (reason) => {
          ended = true;
          h.closed(null, reason ?? 'the call ended');
          void w.hangUp();
        },
      }).then(
        () => {
          answered = true;
          h.open();
        },
        (err: Error) => {
          void w.hangUp();
          h.failed(err.message);
        },
      );
    },
    frame: (_i, payload) => Buffer.from(payload, 'base64'),
    send: (frame) => {
      wire?.sendAudio(typeof frame === 'string' ? Buffer.from(frame, 'base64') : frame, first);
      first = false;
    },
    mark: () => undefined,
    dtmf: (digit) => wire?.sendDtmf(digit) ?? false,
    hangUp: () => {
      if (ended) return;
      ended = true;
      const w = wire;
      void w?.hangUp().then(() => {
        // The engine hung up: the call is over once the BYE is out.
        handlersClosed?.();
      });
    },
    abort: () => {
      ended = true;
      void wire?.hangUp();
    },
  };
  let handlersClosed: (() => void) | null = null;
  const connect = leg.connect.bind(leg);
  leg.connect = (h) => {
    handlersClosed = () => h.closed(null, 'call ended');
    connect(h);
  };
  return leg;
};
