/**
 * Scenario fields of carrier calls (`transport: twilio | telnyx`): the harness plays the phone
 * carrier against a team's bridge server (docs/readme/telephony.md). Kept apart from schema.ts so the
 * realtime fields stay readable; schema.ts only adds `transport` (its values: `SCENARIO_TRANSPORTS` there),
 * `twiml_url`, `bridge_cmd` and `carrier`, and resolve.ts calls {@link resolveCarrier}.
 */
import { z } from 'zod';
import type { FieldPath } from './problems.ts';
import type { ScenarioTransport } from './schema.ts';

export type { ScenarioTransport } from './schema.ts';

/** The carrier flavours (transports where the harness is the carrier). */
export const CARRIER_TRANSPORTS = ['twilio', 'telnyx', 'sip'] as const;
/** One of {@link CARRIER_TRANSPORTS}. */
export type CarrierTransport = (typeof CARRIER_TRANSPORTS)[number];

/** Codecs of the call's audio (Telnyx `media_format.encoding` names; Twilio is always PCMU). */
export const CARRIER_CODECS = ['PCMU', 'PCMA', 'L16'] as const;
/** One of {@link CARRIER_CODECS}. */
export type CarrierCodec = (typeof CARRIER_CODECS)[number];

/** Whether a transport is a carrier flavour. */
export function isCarrierTransport(t: string): t is CarrierTransport {
  return (CARRIER_TRANSPORTS as readonly string[]).includes(t);
}

const digit = z.string().regex(/^[0-9*#A-D]$/, { error: 'expected one DTMF digit: 0-9, *, #, A-D' });

/** `carrier:` as written. */
export const carrierSchema = z.strictObject({
  /** Audio codec of the call. Twilio: PCMU only. Telnyx: PCMU (default), PCMA, L16 (16 kHz). */
  codec: z.enum(CARRIER_CODECS).default('PCMU'),
  /** Telnyx `media_format.encoding` spelling for PCMU: `PCMU` (current docs) or `audio/x-mulaw` (older docs). */
  telnyx_pcmu_name: z.enum(['PCMU', 'audio/x-mulaw']).default('PCMU'),
  /** `start.customParameters` (Twilio; with `twiml_url`, the TwiML's `<Parameter>`s are added). */
  custom_parameters: z.record(z.string(), z.string()).default({}),
  /** DTMF key presses, each `at_ms` after the stream started. */
  dtmf: z.array(z.strictObject({ digit, at_ms: z.number().int().min(0) })).default([]),
  /** Wait for the bridge's port to accept (with `bridge_cmd`), ms. */
  bridge_ready_timeout_ms: z.number().int().min(1).default(20_000),
  /** Silence on the bridge's audio that ends the assistant's answer (no queued audio left for this long), ms. */
  answer_end_silence_ms: z.number().int().min(1).default(700),
  /** Silence sent after the last turn before `stop`, ms. */
  hangup_after_ms: z.number().int().min(0).default(500),
});
/** `carrier:` after parsing. */
export type CarrierFile = z.output<typeof carrierSchema>;

/** Resolved carrier options of a scenario (`ResolvedScenario.carrier`). */
export interface CarrierConfig {
  transport: CarrierTransport;
  /** The bridge's media-stream URL (`target`), or null when it comes from `twimlUrl`. */
  streamUrl: string | null;
  /** `twiml_url`: fetched as Twilio's voice webhook would be; its `<Connect><Stream url>` is followed. */
  twimlUrl: string | null;
  /** `bridge_cmd` / `--bridge-cmd`: started beside the embedded mock; null = the user runs the bridge. */
  bridgeCmd: string | null;
  /** Working directory of `bridgeCmd` (the scenario file's folder, else the working directory). */
  bridgeCwd: string;
  codec: CarrierCodec;
  telnyxPcmuName: 'PCMU' | 'audio/x-mulaw';
  customParameters: Record<string, string>;
  dtmf: readonly { digit: string; atMs: number }[];
  bridgeReadyTimeoutMs: number;
  answerEndSilenceMs: number;
  hangupAfterMs: number;
}

/** The top-level fields carrier resolution reads. */
export interface CarrierFields {
  transport: ScenarioTransport;
  target: string;
  twiml_url?: string | undefined;
  bridge_cmd?: string | undefined;
  carrier?: CarrierFile | undefined;
  kind: string;
  workers: number;
  arrival: { type: string };
}

/**
 * Cross-field checks and defaults for carrier transports. Returns null for `transport: websocket`
 * (after refusing carrier-only fields), else the config; every problem is reported through `add`.
 */
export function resolveCarrier(f: CarrierFields, given: ReadonlySet<string>, cwd: string, add: (p: FieldPath, message: string) => void): CarrierConfig | null {
  if (f.transport !== 'sip' && /^sips?:/.test(f.target)) add(['target'], `a sip: URI is a target of transport sip only, got transport ${f.transport}`);
  if (!isCarrierTransport(f.transport)) {
    for (const field of ['twiml_url', 'bridge_cmd', 'carrier'] as const) {
      if (given.has(field)) add([field], `applies to transport twilio, telnyx or sip only, got transport ${f.transport}`);
    }
    return null;
  }
  const c = f.carrier ?? carrierSchema.parse({});
  const t = f.transport;
  const targetGiven = given.has('target');
  let streamUrl: string | null = null;
  if (t === 'sip') {
    // A SIP call goes to a trunk-facing SIP URI, or to the embedded mock's SIP leg (target: mock).
    if (f.twiml_url !== undefined) add(['twiml_url'], 'applies to transport twilio only (TwiML), got transport sip');
    if (f.bridge_cmd !== undefined) add(['bridge_cmd'], 'applies to transport twilio or telnyx (a bridge between the carrier and the model), got transport sip');
    if (f.target !== 'mock' && !/^sips?:[^@\s]+@\S+$/.test(f.target)) add(['target'], `expected mock (the bundled mock's SIP leg) or a SIP URI such as sip:proj_x@127.0.0.1:5060 for transport sip, got '${f.target}'`);
    else streamUrl = f.target === 'mock' ? null : f.target;
    if (c.codec === 'L16') add(['carrier', 'codec'], 'expected PCMU or PCMA for transport sip (the SIP leg answers G.711), got L16');
  } else if (f.twiml_url !== undefined) {
    if (t !== 'twilio') add(['twiml_url'], `applies to transport twilio only (TwiML), got transport ${t}`);
    if (targetGiven) add(['target'], 'expected either target (the media-stream URL) or twiml_url, not both');
  } else if (!/^wss?:\/\//.test(f.target)) {
    add(['target'], `expected the bridge's media-stream URL (ws://HOST:PORT/media-stream) or twiml_url for transport ${t}, got '${f.target}'`);
  } else {
    streamUrl = f.target;
  }
  if (t === 'twilio' && c.codec !== 'PCMU') add(['carrier', 'codec'], `expected PCMU for transport twilio (Media Streams carry μ-law 8 kHz only), got ${c.codec}`);
  if (f.kind !== 'realtime') add(['kind'], `expected realtime for transport ${t}, got ${f.kind}`);
  if (f.workers !== 1) add(['workers'], `expected 1 for transport ${t} (carrier calls run on one thread), got ${f.workers}`);
  if (f.arrival.type === 'steps') add(['arrival', 'type'], `expected ramp or rate for transport ${t}, got steps`);
  return {
    transport: t,
    streamUrl,
    twimlUrl: f.twiml_url ?? null,
    bridgeCmd: f.bridge_cmd ?? null,
    bridgeCwd: cwd,
    codec: c.codec,
    telnyxPcmuName: c.telnyx_pcmu_name,
    customParameters: { ...c.custom_parameters },
    dtmf: c.dtmf.map((d) => ({ digit: d.digit, atMs: d.at_ms })),
    bridgeReadyTimeoutMs: c.bridge_ready_timeout_ms,
    answerEndSilenceMs: c.answer_end_silence_ms,
    hangupAfterMs: c.hangup_after_ms,
  };
}
