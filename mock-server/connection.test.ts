/**
 * The connection loop on a fake socket and a manual clock: framing errors, event_id stamping,
 * handler guard, send-buffer bound, session expiry, timer cleanup.
 */
import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import type { WebSocket } from 'ws';
import { ManualClock } from '../common/clock.ts';
import { MockConnection, nestedDeeperThan, type ConnectionStats } from './connection.ts';
import { wsLink } from './frame-link.ts';
import type { MockSessionContext, ResolvedMockOptions, SessionKind, WireEvent } from './contract.ts';
import { NO_FAULTS, parseFaultSpecs } from './faults.ts';
import { SeededIdFactory } from './ids.ts';
import { SeededRng } from './rng.ts';

class FakeSocket extends EventEmitter {
  readonly OPEN = 1;
  readyState = 1;
  bufferedAmount = 0;
  sent: string[] = [];
  closedWith: { code: number; reason: string } | 'terminated' | null = null;
  send(frame: string): void {
    this.sent.push(frame);
  }
  close(code: number, reason: string): void {
    this.closedWith = { code, reason };
    this.readyState = 2;
  }
  terminate(): void {
    this.closedWith = 'terminated';
  }
  /** A client frame. */
  client(text: string | Buffer, isBinary = false): void {
    this.emit('message', typeof text === 'string' ? Buffer.from(text) : text, isBinary);
  }
  get events(): Record<string, any>[] {
    return this.sent.map((f) => JSON.parse(f));
  }
}

const OPTIONS: ResolvedMockOptions = { host: '127.0.0.1', port: 0, seed: 1, apiKey: null, tls: false, maxSessionS: 60, latencyProfile: null, faultSpecs: [], tracePath: null };

function setup(kind: Partial<SessionKind> = {}, opts: { maxSessionS?: number; maxBufferedBytes?: number; faults?: string[] } = {}) {
  const ws = new FakeSocket();
  const clock = new ManualClock();
  const rng = new SeededRng(1);
  const stats: ConnectionStats = { open: 0, total: 0, handlerErrors: 0, sendOverflows: 0, framesIn: 0 };
  const received: WireEvent[] = [];
  let closedCalls = 0;
  const full: SessionKind = {
    open: kind.open ?? ((ctx) => void ctx.send({ type: 'session.created' })),
    onEvent: kind.onEvent ?? ((_ctx, e) => void received.push(e)),
    onClose: kind.onClose ?? (() => void closedCalls++),
  };
  const conn = new MockConnection({
    link: wsLink(ws as unknown as WebSocket),
    kind: full,
    sessionId: 'sess_test',
    model: 'gpt-realtime',
    clock,
    rng,
    ids: new SeededIdFactory(rng.fork('ids')),
    faults: (opts.faults ? parseFaultSpecs(opts.faults) : NO_FAULTS).forConnection(rng.fork('faults')),
    trace: { write: () => undefined, close: async () => undefined },
    options: { ...OPTIONS, maxSessionS: opts.maxSessionS ?? 60 },
    stats,
    clientSecretSession: null,
    ...(opts.maxBufferedBytes !== undefined ? { maxBufferedBytes: opts.maxBufferedBytes } : {}),
  });
  conn.start();
  return { ws, clock, stats, received, conn, closedCalls: () => closedCalls };
}

describe('MockConnection', () => {
  it('opens the session and stamps a fresh event_id first in every event', () => {
    const { ws, stats } = setup();
    expect(ws.sent[0]).toMatch(/^\{"type":"session\.created","event_id":"event_[A-Za-z0-9]{21}"\}$/);
    expect(stats).toMatchObject({ open: 1, total: 1 });
  });

  it('answers framing errors itself and stays open', () => {
    const { ws, received } = setup();
    ws.client('{not json');
    ws.client(Buffer.from([1, 2, 3]), true);
    ws.client('[1,2]');
    ws.client('{"event_id":"e1"}');
    ws.client('{"type":7,"event_id":"e2"}');
    const errors = ws.events.slice(1).map((e) => e['error']);
    expect(errors.map((e) => e.code)).toEqual(['invalid_json', 'invalid_json', 'invalid_type', 'missing_required_parameter', 'invalid_type']);
    expect(errors[0].message).toMatch(/^Invalid JSON in the client event: /);
    expect(errors[1].message).toMatch(/^Binary frames are not supported/);
    expect(errors[3]).toMatchObject({ param: 'type', event_id: 'e1', type: 'invalid_request_error' });
    expect(errors[4]).toMatchObject({ param: 'type', event_id: 'e2' });
    expect(received).toHaveLength(0);
    expect(ws.closedWith).toBeNull();
    ws.client('{"type":"x.y","event_id":"e3"}');
    expect(received).toEqual([{ type: 'x.y', event_id: 'e3' }]);
  });

  it('turns a throwing handler into a server_error event, counts it, and keeps going', () => {
    let n = 0;
    const { ws, stats } = setup({
      onEvent: (ctx) => {
        n += 1;
        if (n === 1) throw new Error('boom');
        ctx.send({ type: 'ok' });
      },
    });
    ws.client('{"type":"a","event_id":"bad"}');
    ws.client('{"type":"b"}');
    expect(stats.handlerErrors).toBe(1);
    expect(ws.events[1]!['error']).toMatchObject({ type: 'server_error', event_id: 'bad' });
    expect(ws.events[2]!['type']).toBe('ok');
    expect(ws.closedWith).toBeNull();
  });

  it('closes 1008 instead of queueing once the send buffer is over the bound', () => {
    let ctxRef: MockSessionContext | null = null;
    const { ws, stats } = setup({ open: (ctx) => void (ctxRef = ctx) }, { maxBufferedBytes: 1000 });
    ctxRef!.send({ type: 'one' });
    ws.bufferedAmount = 5000;
    ctxRef!.send({ type: 'two' });
    expect(ws.sent.map((f) => JSON.parse(f).type)).toEqual(['one']);
    expect(ws.closedWith).toEqual({ code: 1008, reason: 'send buffer overflow: the client is not reading' });
    expect(stats.sendOverflows).toBe(1);
    expect(ctxRef!.send({ type: 'three' })).toBe(false);
  });

  it('expires the session at maxSessionS: error session_expired, then close 1001 with the sentence', () => {
    const { ws, clock } = setup({}, { maxSessionS: 120 });
    clock.advanceMs(119_999);
    expect(ws.closedWith).toBeNull();
    clock.advanceMs(1);
    const err = ws.events.at(-1)!['error'];
    expect(err).toMatchObject({ type: 'invalid_request_error', code: 'session_expired', message: 'Your session hit the maximum duration of 2 minutes.' });
    expect(ws.closedWith).toEqual({ code: 1001, reason: 'Your session hit the maximum duration of 2 minutes.' });
  });

  it('sends frames held by a stall fault before the close frame', () => {
    // A realtime response is in flight (stall applies inside responses) when the session expires.
    const { ws, clock } = setup(
      {
        open: (ctx) => {
          ctx.send({ type: 'session.created', session: { type: 'realtime' } });
          ctx.send({ type: 'response.created', response: { id: 'resp_1' } });
          ctx.send({ type: 'response.output_item.added', response_id: 'resp_1' });
        },
      },
      { maxSessionS: 1, faults: ['stall:ms=5000,at_event=1'] },
    );
    clock.advanceMs(1000);
    // The stall still holds frames: no close frame may overtake them.
    expect(ws.closedWith).toBeNull();
    clock.advanceMs(5000);
    const types = ws.events.map((e) => e['type']);
    expect(types.at(-1)).toBe('error');
    expect(ws.events.at(-1)?.['error']?.code).toBe('session_expired');
    expect(ws.closedWith).toMatchObject({ code: 1001 });
  });

  it('settles write hooks with the stamp taken just before the socket write, after a stall, once', () => {
    let ctxRef: MockSessionContext | null = null;
    const { ws, clock } = setup({ open: (ctx) => void (ctxRef = ctx) }, { faults: ['stall:ms=300,at_event=2'] });
    // The socket's send() takes 2 ms: a stamp taken after it returns would be 2 ms late.
    const sentAtUs: number[] = [];
    ws.send = (frame: string): void => {
      sentAtUs.push(clock.nowUs());
      ws.sent.push(frame);
      clock.advanceMs(2);
    };
    const stamps: Record<string, (number | null)[]> = { created: [], held: [], plain: [] };
    const ctx = ctxRef!;
    ctx.send({ type: 'session.created', session: { type: 'realtime' } });
    clock.advanceMs(10);
    ctx.send({ type: 'response.created', response: { id: 'resp_1' } }, (us) => void stamps['created']!.push(us));
    ctx.send({ type: 'response.output_audio.delta', response_id: 'resp_1', delta: '' }, (us) => void stamps['held']!.push(us));
    // Held by the stall: not written, so not settled yet.
    expect(stamps['held']).toEqual([]);
    expect(stamps['created']).toEqual([sentAtUs[1]]);
    clock.advanceMs(300);
    expect(ws.events.map((e) => e['type'])).toEqual(['session.created', 'response.created', 'response.output_audio.delta']);
    expect(stamps['held']).toEqual([sentAtUs[2]]);
    expect(sentAtUs[2]! - sentAtUs[1]!).toBeGreaterThanOrEqual(300_000);
    ctx.send({ type: 'plain' }, (us) => void stamps['plain']!.push(us));
    expect(stamps['plain']).toEqual([sentAtUs[3]]);
    expect(Object.values(stamps).every((v) => v.length === 1)).toBe(true);
  });

  it('settles the hooks of frames that never reach the socket with null', () => {
    let ctxRef: MockSessionContext | null = null;
    const { ws, clock } = setup({ open: (ctx) => void (ctxRef = ctx) }, { faults: ['stall:ms=5000,at_event=1'] });
    const ctx = ctxRef!;
    const got: (number | null)[] = [];
    ctx.send({ type: 'session.created', session: { type: 'realtime' } });
    ctx.send({ type: 'response.created', response: { id: 'resp_1' } }, (us) => void got.push(us));
    ws.emit('close'); // the client went away while the stall held the frame
    expect(got).toEqual([null]);
    clock.advanceMs(10_000);
    expect(got).toEqual([null]);
    expect(ctx.send({ type: 'late' }, (us) => void got.push(us))).toBe(false);
    expect(got).toEqual([null, null]);
  });

  it('clears its timers and tells the session kind once when the socket closes', () => {
    let ctxRef: MockSessionContext | null = null;
    let fired = false;
    const { ws, clock, stats, closedCalls } = setup({ open: (ctx) => void (ctxRef = ctx) });
    ctxRef!.setTimeout(() => (fired = true), 10);
    ws.emit('close');
    ws.emit('close');
    clock.advanceMs(100_000);
    expect(fired).toBe(false);
    expect(clock.pendingTimers).toBe(0);
    expect(closedCalls()).toBe(1);
    expect(stats.open).toBe(0);
  });
});

describe('nestedDeeperThan', () => {
  it('counts object and array levels, flat objects included', () => {
    const flat = { type: 'input_audio_buffer.append', audio: 'AAAA', event_id: 'e' };
    expect(nestedDeeperThan(flat, 1)).toBe(false);
    expect(nestedDeeperThan(flat, 0)).toBe(true);
    const three = { a: { b: [1, 2] } };
    expect(nestedDeeperThan(three, 3)).toBe(false);
    expect(nestedDeeperThan(three, 2)).toBe(true);
    let deep: unknown = 'x';
    for (let i = 0; i < 150; i++) deep = i % 2 ? { d: deep } : [deep];
    expect(nestedDeeperThan(deep, 100)).toBe(true);
    expect(nestedDeeperThan('text', 0)).toBe(false);
  });
});
