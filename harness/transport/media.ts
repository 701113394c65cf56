/**
 * The media path of a transport whose audio travels outside its text frames (WebRTC: Opus RTP on
 * the call's audio track). A WebSocket transport has none: its audio is in the frames. The session
 * driver sends the microphone through {@link MediaPath.sendAudio} and routes received packets to
 * the turn they belong to; the data channel's events still go through the {@link Transport}.
 */

/** One received audio packet of the remote track. */
export interface ReceivedAudio {
  /** Receive stamp, µs on the transport's clock (taken first, before any decoding). */
  readonly receivedUs: number;
  /** RTP sequence number (16 bits). */
  readonly sequence: number;
  /** RTP timestamp (48 kHz units for Opus). */
  readonly rtpTimestamp: number;
  /** Audio carried, ms (20 for the 20 ms packets both sides send). */
  readonly durationMs: number;
  /** Decodes the packet to 48 kHz mono PCM16 (null when undecodable); decode only when needed. */
  decode(): Int16Array | null;
}

/** Stamps of a WebRTC connection's setup, µs on the transport's clock; null when not reached. */
export interface SetupStamps {
  /** The ephemeral key request was sent (setup begins). */
  mintStartUs: number | null;
  /** The SDP offer was POSTed (after the key arrived and candidates were gathered). */
  offerPostedUs: number | null;
  /** The answer SDP arrived (HTTP 201). */
  answerUs: number | null;
  /** ICE reached `connected` (or `completed`). */
  iceConnectedUs: number | null;
  /** The `oai-events` data channel opened. */
  channelOpenUs: number | null;
}

/** Audio outside the text frames. */
export interface MediaPath {
  /** Sends one 20 ms Opus packet as the next RTP packet of the outgoing track (dropped when not connected). */
  sendAudio(packet: Uint8Array): void;
  /** Sets the listener of received audio packets (one per path; a later call replaces it). */
  onAudio(cb: (audio: ReceivedAudio) => void): void;
  /** Setup stamps so far. */
  readonly setup: SetupStamps;
}

/** Default interarrival-jitter divisor (RFC 3550 §6.4.1: J += (|D| − J) / 16). */
const JITTER_GAIN = 16;

/**
 * Arrival statistics of one burst of received RTP packets (one turn's answer): RFC 3550
 * interarrival jitter, packets lost by sequence number, and the longest gap between arrivals.
 *
 * Jitter, RFC 3550 §6.4.1 and A.8: for packets i, j in arrival order, D = (Rj − Ri) − (Sj − Si),
 * with R the arrival time and S the RTP timestamp, both in timestamp units; J += (|D| − J) / 16.
 * It is a running, smoothed figure: {@link jitterMs} is J after the last packet, {@link maxJitterMs}
 * the largest J seen. Packets reordered or duplicated (sequence not ahead of the highest) are
 * counted in {@link outOfOrder} and do not move the loss count.
 */
export class RtpArrivalStats {
  packets = 0;
  /** Packets missing by sequence number (never negative). */
  lost = 0;
  outOfOrder = 0;
  /** Longest time between two consecutive arrivals, ms. */
  maxGapMs = 0;
  private jitterUnits = 0;
  private maxJitterUnits = 0;
  private lastArrivalUs = 0;
  private lastTransitUnits = 0;
  private highestSeq = -1;

  /** @param clockHz RTP clock rate (48000 for Opus). */
  constructor(private readonly clockHz: number = 48_000) {}

  /** Adds one packet. */
  add(receivedUs: number, sequence: number, rtpTimestamp: number): void {
    const unitsPerUs = this.clockHz / 1e6;
    if (this.packets > 0) {
      this.maxGapMs = Math.max(this.maxGapMs, (receivedUs - this.lastArrivalUs) / 1000);
      // Sequence distance modulo 2^16, read as signed: ahead by 1 is the next packet.
      const ahead = ((sequence - this.highestSeq + 0x8000) & 0xffff) - 0x8000;
      if (ahead > 0) {
        this.lost += ahead - 1;
        this.highestSeq = sequence;
      } else {
        this.outOfOrder += 1;
      }
    } else {
      this.highestSeq = sequence;
    }
    // Transit in timestamp units (arrival on our clock minus the sender's timestamp); D is the
    // difference of two transits, so the unknown offset between the clocks cancels. The RTP
    // timestamp wraps at 2^32: the difference is taken modulo 2^32 as signed.
    const transit = receivedUs * unitsPerUs - rtpTimestamp;
    if (this.packets > 0) {
      let d = transit - this.lastTransitUnits;
      d = ((((d + 2 ** 31) % 2 ** 32) + 2 ** 32) % 2 ** 32) - 2 ** 31;
      this.jitterUnits += (Math.abs(d) - this.jitterUnits) / JITTER_GAIN;
      this.maxJitterUnits = Math.max(this.maxJitterUnits, this.jitterUnits);
    }
    this.lastTransitUnits = transit;
    this.lastArrivalUs = receivedUs;
    this.packets += 1;
  }

  /** RFC 3550 interarrival jitter after the last packet, ms. */
  get jitterMs(): number {
    return (this.jitterUnits / this.clockHz) * 1000;
  }

  /** Largest running jitter seen, ms. */
  get maxJitterMs(): number {
    return (this.maxJitterUnits / this.clockHz) * 1000;
  }
}
