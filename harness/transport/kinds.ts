/**
 * The ways a session reaches its target (scenario field `transport`, flag `--transport`). One list,
 * so the schema, the flag's help and every check agree: `websocket` (the Realtime API as a server
 * reaches it), `webrtc` (as a browser does), the carriers `twilio` / `telnyx`, which play the
 * phone network against a team's bridge, and `sip`, calls placed as a SIP trunk places them
 * (scenario/carrier-schema.ts, docs/readme/telephony.md).
 */

/** Allowed values of `transport`, the default first. */
export const TRANSPORT_KINDS = ['websocket', 'webrtc', 'twilio', 'telnyx', 'sip'] as const;

/** One of {@link TRANSPORT_KINDS}. */
export type TransportKind = (typeof TRANSPORT_KINDS)[number];

/** Default `transport`: the WebSocket (server-to-server) path. */
export const DEFAULT_TRANSPORT: TransportKind = 'websocket';

/** Whether `value` is one of {@link TRANSPORT_KINDS}. */
export function isTransportKind(value: unknown): value is TransportKind {
  return typeof value === 'string' && (TRANSPORT_KINDS as readonly string[]).includes(value);
}
