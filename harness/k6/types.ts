/**
 * Types of the k6 export: the options of {@link exportK6}, what it reports, and the configuration
 * object embedded in the generated script (mirrored by the `RthConfig` JSDoc type of
 * `k6-templates/session-script.js`; a test type-checks the two together).
 */

/**
 * How the generated script holds the audio.
 * - `shared`: the clips are sliced into base64 frames once per k6 instance in a `SharedArray`
 *   (k6/data); a VU holds no audio of its own. Each frame access decodes one JSON string.
 * - `per-vu`: every VU `open()`s the clips (k6 copies opened files into every VU) and base64-encodes
 *   each frame when it sends it.
 */
export type K6AudioMode = 'shared' | 'per-vu';

/** Options of {@link exportK6}. */
export interface K6ExportOptions {
  /** Output directory (created; existing files of the same names are overwritten). */
  outDir: string;
  /**
   * `mock`, `openai` or a `ws://`/`wss://` URL: the script's default target (`RTH_TARGET_URL`
   * overrides it at run time). Default: the scenario's `target`. `mock` exports
   * {@link DEFAULT_MOCK_URL}, since k6 cannot start the embedded mock.
   */
  target?: string;
  /** Corpus directory with `manifest.json`. Default the bundled corpus. */
  corpusDir?: string;
  /** Default `shared`. */
  audioMode?: K6AudioMode;
  /** `spec.parallelism` of the k6-operator TestRun (k6 instances). Default min(4, sessions). */
  parallelism?: number;
  /** Kubernetes Secret holding the API key, as `name` / `key`. Default `rth-openai` / `api-key`. */
  secret?: { name: string; key: string };
}

/** What {@link exportK6} wrote and the memory figures it computed. */
export interface K6ExportResult {
  outDir: string;
  /** Written files, relative to `outDir`, sorted. */
  files: string[];
  /** Clips written (the ones the exported session plans speak), in script order. */
  clipIds: string[];
  /** Wire bytes of all written clips. */
  clipBytes: number;
  /** Size of `script.js`, bytes (k6 compiles and keeps it in every VU). */
  scriptBytes: number;
  /** Audio held by each VU: `clipBytes` for `per-vu`, one silence frame for `shared`. */
  audioBytesPerVu: number;
  /** Audio held once per k6 instance: the base64 frames for `shared`, 0 for `per-vu`. */
  audioBytesPerInstance: number;
  audioMode: K6AudioMode;
  /** The script's default WebSocket URL (no credentials). */
  defaultUrl: string;
  /** The k6 executor chosen for the arrival model. */
  executor: string;
  /** Things the user should know (approximations, size limits). */
  notes: string[];
}

/** One clip as the script sees it. */
export interface K6ClipInfo {
  id: string;
  /** `./clips/<id>.pcm` (or `.ulaw` / `.alaw`), relative to the script. */
  file: string;
  bytes: number;
  frames: number;
  speechEndFrame: number;
}

/** One session plan row: the effort and `[clipIndex, thinkMs]` per turn. */
export interface K6SessionRow {
  effort: string;
  turns: [number, number][];
}

/** The configuration object embedded in `script.js` (see the template's `RthConfig`). */
export interface K6ScriptConfig {
  scenario: string;
  kind: 'realtime' | 'transcription' | 'translation';
  defaultUrl: string;
  /** `model=…` or `intent=transcription`, added to a URL that names none. */
  urlParam: string;
  /** Key sent to the embedded mock when `OPENAI_API_KEY` is unset (not a secret); null otherwise. */
  fallbackKey: string | null;
  turnMode: 'manual' | 'server_vad' | 'semantic_vad';
  chunkMs: number;
  frameBytes: number;
  outBytesPerMs: number;
  silenceByte: number;
  appendType: 'input_audio_buffer.append' | 'session.input_audio_buffer.append';
  audioMode: K6AudioMode;
  clips: K6ClipInfo[];
  sessions: K6SessionRow[];
  /** Effort key → serialized `session.update`. */
  sessionUpdates: Record<string, string>;
  /** Tool name → `function_call_output.output`. */
  toolOutputs: Record<string, string>;
  turnsPerSession: number | null;
  durationMs: number | null;
  startSpacingMs: number;
  bargeInAfterMs: number | null;
  timeouts: { connectMs: number; turnMs: number };
  sendLagBudgetMs: number;
}

/** Where `target: mock` points the exported script (start `rth mock --port 8080` there). */
export const DEFAULT_MOCK_URL = 'ws://127.0.0.1:8080';
