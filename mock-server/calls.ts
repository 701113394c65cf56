/**
 * Live calls of the mock by id: WebRTC calls (`mock-server/webrtc/`) and SIP calls
 * (`mock-server/sip/`). The call-control endpoints (`/v1/realtime/calls/{id}/…`) and the sideband
 * socket (`?call_id=`) find calls here, whatever door they came in by.
 */
import type { WebSocket } from 'ws';
import type { MockErrorSpec, Rng } from './contract.ts';

/** An answer of a call-control verb: 200 with an empty body, or an HTTP error. */
export type VerbResult = { ok: true } | { ok: false; status: number; error: MockErrorSpec };

/** What every call offers the control plane. */
export interface LiveCall {
  readonly callId: string;
  /** `webrtc` or `sip`. */
  readonly kind: 'webrtc' | 'sip';
  /** Whether the call has ended. */
  readonly ended: boolean;
  /** Attaches a sideband socket (it sees the call's events and may send client events). */
  attachSideband(ws: WebSocket): void;
  /** Ends the call (`/hangup`). */
  hangup(): void;
  /** `/accept` with a validated session config (SIP calls only). */
  accept?(session: Record<string, unknown>): VerbResult;
  /** `/reject` with a SIP status code (SIP calls only). */
  reject?(statusCode: number): VerbResult;
  /** `/refer` to a `tel:` or `sip:` URI (SIP calls only). */
  refer?(targetUri: string): VerbResult;
}

/** Live calls by id. */
export class CallRegistry {
  private readonly calls = new Map<string, LiveCall>();
  add(call: LiveCall): void {
    this.calls.set(call.callId, call);
  }
  get(callId: string): LiveCall | undefined {
    return this.calls.get(callId);
  }
  delete(callId: string): void {
    this.calls.delete(callId);
  }
  /** Calls now open. */
  get size(): number {
    return this.calls.size;
  }
  /** Ends every call (server shutdown). */
  hangupAll(): void {
    for (const c of [...this.calls.values()]) c.hangup();
  }
}

const BASE62 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
/**
 * A call id: `rtc_u0_` (WebRTC) or `rtc_u2_` (SIP, as captured) + 24 base62, deterministic for a
 * seed (observed shape `rtc_u0_EBE4oHU6FYPaFejVfBpPW`).
 */
export function newCallId(rng: Rng, kind: 'webrtc' | 'sip' = 'webrtc'): string {
  let s = kind === 'sip' ? 'rtc_u2_' : 'rtc_u0_';
  for (let i = 0; i < 24; i++) s += BASE62[rng.int(0, BASE62.length)];
  return s;
}
