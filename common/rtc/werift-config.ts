/**
 * How both sides build a `werift` peer for loopback runs: no STUN or TURN server (werift's default
 * asks Google's STUN server, which blocks gathering on a machine without a network), IPv4 only,
 * host candidates on 127.0.0.1 only, no mDNS. Real deployments put the mock on a reachable
 * address with `--rtc-host`.
 *
 * Why `werift`: a WebRTC stack (ICE, DTLS-SRTP, SCTP data channels, RTP/RTCP) written in
 * TypeScript that installs from the npm registry alone on Node 20–24; 0.24.x is pinned because
 * 0.25 requires Node 22.
 */
import type { PeerConfig } from 'werift';

/** The address candidates are gathered on, default loopback. */
export const DEFAULT_RTC_HOST = '127.0.0.1';

function isLoopback(address: string): boolean {
  return address.startsWith('127.');
}

/** Peer options for a loopback (or single-address) peer. */
export function rtcPeerConfig(host: string = DEFAULT_RTC_HOST): Partial<PeerConfig> {
  return {
    iceServers: [],
    iceUseIpv4: true,
    iceUseIpv6: false,
    iceInterfaceAddresses: { udp4: host },
    iceAdditionalHostAddresses: [host],
    // Pairs only from our own address (werift also lists every interface's address, whose socket
    // is not ours), and on loopback only to a loopback peer: a remote candidate on another
    // interface (or an mDNS name) cannot be reached from 127.0.0.1.
    iceFilterCandidatePair: (pair) => pair.localCandidate.host === host && (!isLoopback(host) || isLoopback(pair.remoteCandidate.host)),
    bundlePolicy: 'max-bundle',
  };
}

/**
 * An SDP with only the candidates on `host` (werift lists one per interface, but its sockets
 * listen on `host` only: the others would be dead candidates for the remote side to check).
 */
export function keepCandidatesOn(sdp: string, host: string = DEFAULT_RTC_HOST): string {
  return sdp
    .split(/\r?\n/)
    .filter((line) => !line.startsWith('a=candidate:') || line.split(' ')[4] === host)
    .join('\r\n');
}

/**
 * Resolves once `read()` returns `want` (checked first, then every `pollMs`, default 5), or rejects
 * after `timeoutMs` with `what` named. werift's state events only report changes, so a state
 * reached before anyone listened is never announced: polling the property cannot miss it.
 */
export async function whenState<T>(read: () => T, want: T | ((v: T) => boolean), timeoutMs: number, what: string, pollMs = 5): Promise<void> {
  const ok = typeof want === 'function' ? (want as (v: T) => boolean) : (v: T) => v === want;
  const deadline = performance.now() + timeoutMs;
  while (!ok(read())) {
    if (performance.now() >= deadline) throw new Error(`${what}: still ${String(read())} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, pollMs));
  }
}
