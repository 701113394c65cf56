/**
 * Data types of `rth conform`: the target as probes see it, a probe's definition and context, and
 * the results the command library returns. Probe outcomes use the conformance report's
 * `ProbeResult` (harness/conformance/report.ts) so `conformance.json` and JUnit carry them as is.
 */
import type { PreparedClip } from '../contract.ts';
import type { SessionKind } from '../conformance/types.ts';

/** The session kinds `rth conform` probes (GPT-Live has no probes). */
export type ProbeSessionKind = Exclude<SessionKind, 'live'>;
import type { ProbeSession } from './probe-session.ts';

/** Where one kind of probe session connects. */
export interface ProbeEndpoint {
  /** Full `ws://`/`wss://` URL including its query. */
  readonly url: string;
  /** Handshake headers (Authorization etc.). Never logged or written. */
  readonly headers: Readonly<Record<string, string>>;
}

/** The target of a probe run, resolved: one endpoint per session kind plus the special probes'. */
export interface ProbeTarget {
  /** `mock` (the bundled mock), `openai` or `url`. */
  readonly type: 'mock' | 'openai' | 'url';
  /** What reports show: `mock`, `openai`, or the URL without query and credentials. */
  readonly label: string;
  /** Transcription model sent in the transcription probe's `session.update` (§2.4: not in the URL). */
  readonly transcriptionModel: string;
  readonly realtime: ProbeEndpoint;
  readonly transcription: ProbeEndpoint;
  readonly translation: ProbeEndpoint;
  /**
   * Where the bad-key probe connects with a key the target must refuse: a dedicated mock started
   * with `--api-key` (bundled mock), else the realtime endpoint with the credentials swapped for a
   * deliberately wrong key.
   */
  readonly badKey: ProbeEndpoint;
  /**
   * A realtime endpoint whose sessions expire soon (a dedicated mock with a short maximum session),
   * with that maximum in seconds; null when the target cannot be made to expire in reasonable time.
   */
  readonly expiry: (ProbeEndpoint & { readonly maxSessionS: number }) | null;
  /** Verify TLS certificates. Default true. */
  readonly rejectUnauthorized?: boolean;
}

/** Speech clips the probes stream (PCM16 24 kHz, 100 ms frames, from the bundled corpus). */
export interface ProbeClips {
  /** The first user utterance of a probe. */
  readonly first: PreparedClip;
  /** A second, different utterance (barge-in). */
  readonly second: PreparedClip;
}

/** What a probe gets to work with. Sessions opened through it are closed and judged by the runner. */
export interface ProbeContext {
  readonly target: ProbeTarget;
  readonly clips: ProbeClips;
  /** Longest wait for one expected answer, ms. */
  readonly stepTimeoutMs: number;
  /** How long "nothing more arrives" is watched for, ms. */
  readonly quietMs: number;
  /** Opens a session of `kind` on the target's endpoint for it (or on `endpoint`). Fails the probe when it cannot connect. */
  open(kind: ProbeSessionKind, endpoint?: ProbeEndpoint): Promise<ProbeSession>;
  /** Adds a line to the probe's details (expected vs observed). */
  note(line: string): void;
}

/** What a probe returns when it did not fail. */
export interface ProbeOutcome {
  /** `skipped` with a reason, or `passed` (default). */
  readonly status?: 'passed' | 'skipped';
  readonly message?: string;
}

/** One active probe: a small scripted session that provokes documented behaviour and checks the answer. */
export interface ProbeDef {
  /** Stable id, `PROBE-…`; `--probes` also takes the part after `PROBE-` in lower case. */
  readonly id: string;
  /** One line: what it sends and what it expects, naming codes and close codes. */
  readonly description: string;
  /** Where the expectation comes from (docs/realtime-protocol.md §, and "§9: lenient" when unverified). */
  readonly source: string;
  /** Runs the probe; throws {@link ProbeFailure} (or anything) to fail. */
  run(ctx: ProbeContext): Promise<ProbeOutcome | void>;
}

/** Thrown by a probe (or a wait inside one) when the target answered wrongly or not at all. */
export class ProbeFailure extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ProbeFailure';
  }
}
