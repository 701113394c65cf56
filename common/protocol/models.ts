/**
 * The realtime (speech-to-speech) models the project knows by name, and which of them reason.
 * Shared by the mock (session defaults, `reasoning` validation, per-model latency) and the harness
 * (scenario defaults and checks), so both sides agree on what a model name means.
 *
 * Sources: the model union of `RealtimeSessionCreateRequest.model` in the `openai` package
 * (`resources/realtime/realtime.d.ts`, `client-secrets.d.ts`), the session-configuration and
 * reasoning sections of the protocol reference (`reasoning{effort}` and `parallel_tool_calls` for the
 * `gpt-realtime-2` / `2.1` line), and the model pages under https://developers.openai.com/api/docs/models/.
 *
 * A name that is not listed is still a valid model name (a dated snapshot, an Azure deployment, a
 * model released after this list): callers treat it as "unknown", never as an error.
 */
import type { RealtimeSessionCreateRequest } from 'openai/resources/realtime/realtime';

/** Reasoning models: they take `reasoning.effort` (minimal … xhigh) and `parallel_tool_calls`. */
export const REASONING_REALTIME_MODELS = ['gpt-realtime-2', 'gpt-realtime-2.1', 'gpt-realtime-2.1-mini'] as const;

/**
 * Realtime models without reasoning (a `reasoning` field is `unsupported_parameter` on them).
 * `gpt-realtime`, `gpt-realtime-2025-08-28`, `gpt-realtime-mini` and its snapshots are deprecated
 * (shutdown announced for 2027-01-20); the `gpt-4o-*-realtime-preview` names are legacy.
 */
export const NON_REASONING_REALTIME_MODELS = [
  'gpt-realtime-1.5',
  'gpt-realtime',
  'gpt-realtime-2025-08-28',
  'gpt-realtime-mini',
  'gpt-realtime-mini-2025-10-06',
  'gpt-realtime-mini-2025-12-15',
  'gpt-audio-1.5',
  'gpt-audio-mini',
  'gpt-audio-mini-2025-10-06',
  'gpt-audio-mini-2025-12-15',
  'gpt-4o-realtime-preview',
  'gpt-4o-realtime-preview-2024-10-01',
  'gpt-4o-realtime-preview-2024-12-17',
  'gpt-4o-realtime-preview-2025-06-03',
  'gpt-4o-mini-realtime-preview',
  'gpt-4o-mini-realtime-preview-2024-12-17',
] as const;

/** Every realtime model known by name, reasoning models first. */
export const KNOWN_REALTIME_MODELS: readonly string[] = [...REASONING_REALTIME_MODELS, ...NON_REASONING_REALTIME_MODELS];

// Compile-time guard: every model the `openai` package names for a realtime session is in one of the
// two lists above, so an SDK update that adds a model fails `tsc` here until the model is placed.
type LiteralsOf<T> = T extends string ? (string extends T ? never : T) : never;
type SdkRealtimeModel = LiteralsOf<Exclude<RealtimeSessionCreateRequest['model'], undefined>>;
type ListedModel = (typeof REASONING_REALTIME_MODELS)[number] | (typeof NON_REASONING_REALTIME_MODELS)[number];
type UnlistedSdkModel = Exclude<SdkRealtimeModel, ListedModel>;
const everySdkModelListed: [UnlistedSdkModel] extends [never] ? true : UnlistedSdkModel = true;
void everySdkModelListed;

/** A trailing snapshot date, as in `gpt-realtime-mini-2025-12-15`. */
const SNAPSHOT_DATE = /-\d{4}-\d{2}-\d{2}$/;

/**
 * The model a name belongs to: the name itself, or without its `-YYYY-MM-DD` snapshot date.
 * `gpt-realtime-2.1-mini-2026-12-01` → `gpt-realtime-2.1-mini`; `gpt-realtime-2025-08-28` →
 * `gpt-realtime`; a name without a date is returned as given.
 */
export function baseModelName(model: string): string {
  return model.replace(SNAPSHOT_DATE, '');
}

/** The `gpt-realtime-2` line: `gpt-realtime-2`, then `.` (a point release) or `-` (a variant or snapshot), or nothing. */
const REASONING_LINE = /^gpt-realtime-2(?:$|[.-])/;

/**
 * Whether `model` takes reasoning efforts: a model of the `gpt-realtime-2` line, i.e. one of
 * {@link REASONING_REALTIME_MODELS}, a dated snapshot of one (`gpt-realtime-2.1-2026-12-01`), or a
 * later point release or variant of the line (`gpt-realtime-2.2`), which the protocol reference's
 * reasoning section describes as one family. `gpt-realtime-2025-08-28` is not: it is a snapshot of
 * `gpt-realtime`, which has no reasoning.
 */
export function isReasoningModel(model: string): boolean {
  return REASONING_LINE.test(model);
}

/**
 * Whether `model` is known to have no reasoning (listed in {@link NON_REASONING_REALTIME_MODELS},
 * directly or as a dated snapshot). False for unknown names, which may be deployments of anything.
 */
export function isKnownNonReasoningModel(model: string): boolean {
  const list = NON_REASONING_REALTIME_MODELS as readonly string[];
  return list.includes(model) || list.includes(baseModelName(model));
}

/**
 * GPT-Live voice models (`/v1/live/sessions`, docs/live-protocol.md §1, §6): named in
 * `session.start`, never in a URL. They take no reasoning effort. `gpt-live-transcribe` is not one
 * of them (it runs on the Realtime API).
 */
export const LIVE_MODELS = ['gpt-live-1', 'gpt-live-1.1'] as const;

/** Whether `model` (or its dated snapshot) is a GPT-Live voice model ({@link LIVE_MODELS}). */
export function isLiveModel(model: string): boolean {
  return (LIVE_MODELS as readonly string[]).includes(baseModelName(model));
}
