/**
 * One small HTTP(S) POST for the WebRTC setup calls (`client_secrets`, `calls`, `hangup`): the
 * status, the headers and at most {@link MAX_BODY_BYTES} of the body, within a deadline. Built on
 * node:http so a self-signed mock certificate can be accepted (`rejectUnauthorized: false`), as
 * the WebSocket transport does. Never logs; callers redact before showing anything.
 */
import http from 'node:http';
import https from 'node:https';

/** Bytes of a response body kept (an SDP answer is a few KB; an error a few hundred bytes). */
export const MAX_BODY_BYTES = 256 * 1024;

/** What came back. */
export interface HttpAnswer {
  status: number;
  statusText: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** Options of {@link httpPost}. */
export interface HttpPostOptions {
  headers: Readonly<Record<string, string>>;
  body: string;
  /** Whole request deadline, ms (real time). */
  timeoutMs: number;
  /** Verify the server's certificate (https). Default true. */
  rejectUnauthorized?: boolean;
}

/** Why a POST failed before any status arrived. */
export class HttpPostError extends Error {
  constructor(
    message: string,
    /** `timeout`, or the system error code (`ECONNREFUSED`). */
    readonly code: string,
  ) {
    super(message);
    this.name = 'HttpPostError';
  }
}

/** POSTs `opts.body` to `url`; rejects with {@link HttpPostError} on a network failure or the deadline. */
export function httpPost(url: URL, opts: HttpPostOptions): Promise<HttpAnswer> {
  const lib = url.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const body = Buffer.from(opts.body, 'utf8');
    const req = lib.request(
      url,
      {
        method: 'POST',
        headers: { ...opts.headers, 'content-length': String(body.length) },
        ...(url.protocol === 'https:' ? { rejectUnauthorized: opts.rejectUnauthorized ?? true } : {}),
      },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          if (size < MAX_BODY_BYTES) chunks.push(c);
          size += c.length;
        });
        res.on('end', () => {
          clearTimeout(timer);
          resolve({
            status: res.statusCode ?? 0,
            statusText: res.statusMessage ?? '',
            headers: res.headers,
            body: Buffer.concat(chunks).subarray(0, MAX_BODY_BYTES).toString('utf8'),
          });
        });
        res.on('error', (err) => fail(new HttpPostError(err.message, (err as NodeJS.ErrnoException).code ?? 'network')));
      },
    );
    const fail = (err: HttpPostError): void => {
      clearTimeout(timer);
      req.destroy();
      reject(err);
    };
    const timer = setTimeout(() => fail(new HttpPostError(`no answer within ${opts.timeoutMs} ms`, 'timeout')), Math.max(1, opts.timeoutMs));
    req.on('error', (err) => fail(new HttpPostError(err.message, (err as NodeJS.ErrnoException).code ?? 'network')));
    req.end(body);
  });
}
