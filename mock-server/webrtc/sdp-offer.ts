/**
 * Checks a WebRTC SDP offer before a peer is built from it (docs/realtime-protocol.md §10.2): a
 * malformed offer or one without audio is a 400 `invalid_offer`, never an exception inside the
 * WebRTC stack. Only what the answer depends on is checked; the stack parses the rest.
 */

/** What the call needs from an offer. */
export interface OfferSummary {
  /** Audio codecs offered (rtpmap names, upper case), in preference order. */
  audioCodecs: string[];
  /** Whether an `m=application … webrtc-datachannel` section is present. */
  hasDataChannel: boolean;
}

/** The offer's summary, or a sentence saying what is wrong with it. */
export type OfferCheck = { ok: true; offer: OfferSummary } | { ok: false; message: string };

/** Largest offer accepted, bytes (a browser's offer is 2–6 KB). */
export const MAX_OFFER_BYTES = 64 * 1024;

/** Checks `sdp` (the raw offer text). */
export function checkOffer(sdp: string): OfferCheck {
  if (sdp.length === 0) return { ok: false, message: 'The SDP offer is empty.' };
  if (Buffer.byteLength(sdp) > MAX_OFFER_BYTES) return { ok: false, message: `The SDP offer is larger than ${MAX_OFFER_BYTES} bytes.` };
  const lines = sdp.split(/\r?\n/).filter((l) => l.length > 0);
  if (lines[0] !== 'v=0') return { ok: false, message: "The SDP offer must start with 'v=0'." };
  const bad = lines.find((l) => !/^[a-z]=/.test(l));
  if (bad !== undefined) return { ok: false, message: `The SDP offer has a line that is not '<letter>=<value>': '${bad.slice(0, 60)}'.` };
  const sections: string[][] = [];
  for (const l of lines) {
    if (l.startsWith('m=')) sections.push([l]);
    else sections.at(-1)?.push(l);
  }
  const audio = sections.find((s) => s[0]!.startsWith('m=audio '));
  if (audio === undefined) return { ok: false, message: 'The SDP offer has no audio m-line: the Realtime API needs one audio track (sendrecv).' };
  const attrs = (name: string): string[] => [...lines.filter((l) => l.startsWith(`a=${name}:`))];
  if (attrs('ice-ufrag').length === 0 || attrs('ice-pwd').length === 0) return { ok: false, message: 'The SDP offer has no ICE credentials (a=ice-ufrag / a=ice-pwd).' };
  if (attrs('fingerprint').length === 0) return { ok: false, message: 'The SDP offer has no DTLS fingerprint (a=fingerprint): DTLS-SRTP is required.' };
  const payloadTypes = audio[0]!.split(' ').slice(3);
  const codecs: string[] = [];
  for (const pt of payloadTypes) {
    const map = audio.find((l) => l.startsWith(`a=rtpmap:${pt} `));
    const name = map?.split(' ')[1]?.split('/')[0]?.toUpperCase();
    if (name) codecs.push(name);
    else if (pt === '0') codecs.push('PCMU');
    else if (pt === '8') codecs.push('PCMA');
  }
  if (!codecs.includes('OPUS')) {
    return { ok: false, message: `The SDP offer's audio m-line offers no Opus (got ${codecs.length > 0 ? codecs.join(', ') : 'no codecs'}); the mock answers Opus 48 kHz, as the real endpoint does.` };
  }
  return { ok: true, offer: { audioCodecs: codecs, hasDataChannel: sections.some((s) => /^m=application .*webrtc-datachannel/.test(s[0]!)) } };
}
