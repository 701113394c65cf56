/**
 * A scenario after defaults and validation: what the runner builds session plans from.
 * Field-by-field reference (with defaults): docs/readme/measurement.md.
 */
import type { ScriptedTool, TurnMode, WireAudioFormat } from '../contract.ts';
import type { EffortKey, MockPriority, SloSpec } from './schema.ts';
import type { TransportKind } from '../transport/kinds.ts';
import type { CarrierConfig } from './carrier-schema.ts';

export type { EffortKey, SloSpec } from './schema.ts';

/** What kind of session every connection of the run opens. */
export type ScenarioKind = 'realtime' | 'transcription' | 'translation' | 'live';

/** Input audio format of the sessions, as named in scenario files. */
export type AudioFormatName = 'pcm16' | 'pcmu' | 'pcma';

/** How sessions arrive. */
export type Arrival =
  /** Closed model: `sessions` sessions started evenly over `rampUpS` seconds (0 = all at once). */
  | { type: 'ramp'; rampUpS: number }
  /** Open model: sessions arrive at `perS` per second (evenly, or as a seeded Poisson process), `sessions` in total. */
  | { type: 'rate'; perS: number; poisson: boolean }
  /**
   * Closed model, capacity search: `start` concurrent sessions for `stepS` seconds, then
   * `start + step`, … up to `max` (the last step may add fewer). Sessions keep taking turns until
   * the run ends; `sessions` is `max`. See `runner/capacity.ts`.
   */
  | { type: 'steps'; start: number; step: number; stepS: number; max: number };

/**
 * When a capacity search (`arrival.type: steps`) ends: at the first step that breaks any set
 * condition. Null fields are not checked. See `runner/capacity.ts` for how each is judged.
 */
export interface StopWhen {
  /** TTFA p95 of the step's turns above this, ms (judged only when the step supports a p95). */
  ttfaP95Ms: number | null;
  /** The step's error rate (failed turns and failed session opens over attempts) above this, 0..1. */
  errorRate: number | null;
  /** Any handshake 429 or in-session `rate_limit_exceeded` in the step. Default false. */
  rateLimited: boolean;
}

/** Turn detection as configured (`manual` = `turn_detection: null` on the wire, turns committed by the harness). */
export type TurnDetection =
  | {
      type: 'server_vad';
      threshold: number;
      prefixPaddingMs: number;
      silenceDurationMs: number;
      createResponse: boolean;
      interruptResponse: boolean;
    }
  | { type: 'semantic_vad'; eagerness: 'auto' | 'low' | 'medium' | 'high'; createResponse: boolean; interruptResponse: boolean }
  | { type: 'manual' };

/** Which clips the turns speak. */
export type ClipSelection =
  /** These ids, in order, cycling; each session starts at a different offset. */
  | { type: 'list'; ids: readonly string[] }
  /** Seeded random picks from the whole corpus. */
  | { type: 'random'; seed: number };

/** A validated scenario with every default applied. Times carry their unit in the name. */
export interface ResolvedScenario {
  /** From `name`, else the file name without extension. */
  name: string;
  description: string;
  /** The file read (absolute), or null when resolved from an in-memory object. */
  sourcePath: string | null;
  /** How problems name the source (path relative to the working directory, or `<inline>`). */
  sourceLabel: string;
  /** `mock` (embedded mock, default), `openai` (official endpoint), or a `ws://`/`wss://` URL. */
  target: string;
  /** Extra handshake headers (scenario `headers` plus `--header`). Never logged or written. */
  headers: Record<string, string>;
  /**
   * `api_key_env` / `--api-key-env`: the environment variable whose value is sent as
   * `Authorization: Bearer …` (an `Authorization` header wins), and what named it (for messages).
   * Null: `OPENAI_API_KEY` for `openai`, the mock's non-secret key for the mock, no key for a URL.
   */
  apiKeyEnv: { name: string; from: string } | null;
  /** Options of the embedded mock (ignored for other targets). */
  mock: {
    seed: number;
    latencyProfilePath: string | null;
    faults: readonly string[];
    maxSessionS: number;
    priority: MockPriority;
    /** Emulated account limits of the embedded mock (`mock.max_concurrent_sessions`, `mock.tokens_per_minute`); null = none. */
    maxConcurrentSessions?: number | null;
    tokensPerMinute?: number | null;
  };
  model: string;
  kind: ScenarioKind;
  /** Carrier options (`transport: twilio | telnyx`); null for `websocket`. */
  carrier: CarrierConfig | null;
  /** Closed model: concurrent sessions. Open model: sessions in total. Default 1. */
  sessions: number;
  arrival: Arrival;
  /** Capacity search stop conditions (`stop_when`); null when not set (only with `arrival.type: steps`). */
  stopWhen: StopWhen | null;
  /** Run length, s; null = until every session finished its turns. */
  durationS: number | null;
  /** Turns per session; null = until `durationS`. */
  turnsPerSession: number | null;
  /** Pause before each turn, drawn uniformly from [minMs, maxMs]. Default 1000 fixed. */
  thinkTimeMs: { minMs: number; maxMs: number };
  turnDetection: TurnDetection;
  /** Derived from `turnDetection.type`. */
  turnMode: TurnMode;
  /** Duration of one append frame, ms. Default 20. */
  chunkMs: number;
  /**
   * How sessions reach the target (`transport`, `--transport`): `websocket` (default), `webrtc`
   * (a browser's path: ephemeral key, SDP offer to `/v1/realtime/calls`, Opus RTP, `oai-events`),
   * or a carrier (`twilio`, `telnyx`) played against a team's bridge.
   */
  transport: TransportKind;
  audioFormat: AudioFormatName;
  /** `audioFormat` as `session.audio.input.format`. */
  wireFormat: WireAudioFormat;
  /** Efforts assigned to sessions interleaved (see `assignEfforts`); `none` = no `reasoning` sent. */
  efforts: readonly EffortKey[];
  /**
   * `live: {model}` on a realtime scenario: GPT-Live sessions of that model interleaved with the
   * efforts as one more arm (harness/scenario/arms.ts); null when not set (and for other kinds).
   */
  live: { model: string } | null;
  voice: string;
  instructions: string | null;
  outputModalities: readonly ['audio'] | readonly ['text'];
  /** Translation sessions: `session.audio.output.language`. Default `es`; null for other kinds. */
  outputLanguage: string | null;
  tools: readonly ScriptedTool[];
  clips: ClipSelection;
  /** Speak over the assistant after this much of its audio played; null = never. */
  bargeIn: { afterAudioMs: number } | null;
  timeouts: { connectMs: number; turnMs: number; drainMs: number };
  slo: SloSpec;
  /** `busyPoll`: the harness's threads never sleep (see `runner/busy-poll.ts`). */
  pacing: { sendLagP99BudgetMs: number; stallBudgetMs: number; busyPoll: boolean };
  seed: number;
  workers: number;
  /** Output directory (absolute), or null for the runner's default `reports/<timestamp>-<name>/`. */
  outDir: string | null;
}

/** Values from CLI flags, as typed by the user (strings are parsed by the resolver). */
export interface ScenarioOverrides {
  /** `--target mock|openai|URL`. */
  target?: string;
  /** `--api-key-env NAME` (sets `api_key_env`). */
  apiKeyEnv?: string;
  /** `--model NAME` (sets `model`; efforts are then checked against it). */
  model?: string;
  /** `--sessions N`. */
  sessions?: string | number;
  /** `--duration S` (sets `duration_s`). */
  duration?: string | number;
  /**
   * `--turns N` (sets `turns_per_session`). Like the field in a file, it drops the default
   * `duration_s` when neither the file nor `--duration` sets one.
   */
  turns?: string | number;
  /** `--efforts a,b` (comma-separated, or a list). */
  efforts?: string | readonly string[];
  /** `--seed N`. */
  seed?: string | number;
  /** `--chunk-ms N`. */
  chunkMs?: string | number;
  /** `--transport websocket|webrtc` (sets `transport`). */
  transport?: string;
  /** `--workers N`. */
  workers?: string | number;
  /** `--out DIR` (relative to the working directory). */
  out?: string;
  /** `--busy-poll` (sets `pacing.busy_poll`). */
  busyPoll?: boolean;
  /** `--mock-priority low|idle|normal` (sets `mock.priority`). */
  mockPriority?: string;
  /** `--bridge-cmd CMD` (sets `bridge_cmd`). */
  bridgeCmd?: string;
  /** `--header 'Name: value'`, repeatable; added to (and overriding) the scenario's `headers`. */
  header?: readonly string[];
}
