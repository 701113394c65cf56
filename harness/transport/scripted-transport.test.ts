import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../common/clock.ts';
import { ScriptedTransport, scriptedTransportFactory } from './scripted-transport.ts';
import { TransportError } from './transport.ts';

describe('ScriptedTransport', () => {
  it('records sent frames (appends only counted), answers via the script after send returns', async () => {
    const clock = new ManualClock(5);
    const answers: [string | Buffer, number][] = [];
    const t = new ScriptedTransport({
      clock,
      respond: (e, ctx) => {
        if (e.type === 'input_audio_buffer.commit') ctx.push({ type: 'input_audio_buffer.committed' });
      },
    });
    t.onMessage((raw, us) => answers.push([raw, us]));
    await t.connect();
    t.send('{"type":"input_audio_buffer.append","audio":"AAAA"}');
    t.send('{"type":"input_audio_buffer.commit"}');
    expect(answers).toEqual([]); // not inside send
    await Promise.resolve();
    expect(answers).toEqual([['{"type":"input_audio_buffer.committed"}', 5]]);
    expect(t.sentTypes()).toEqual(['input_audio_buffer.commit']);
    expect(t.appendCount).toBe(1);
    expect(t.sentAtUs).toEqual([5]);
  });

  it('drops frames before open and after close; server close reaches the listener once', async () => {
    const t = new ScriptedTransport({ clock: new ManualClock() });
    t.send('{"type":"x"}');
    expect(t.droppedFrames).toBe(1);
    await t.connect();
    const closes: [number, string][] = [];
    t.onClose((c, r) => closes.push([c, r]));
    t.serverClose(1006);
    t.serverClose(1000);
    t.push({ type: 'late' });
    expect(closes).toEqual([[1006, '']]);
    expect(t.pushedCount).toBe(0);
  });

  it('client close is recorded and reported in a microtask; connect can fail or wait for open()', async () => {
    const clock = new ManualClock();
    const t = new ScriptedTransport({ clock });
    await t.connect();
    const closes: number[] = [];
    t.onClose((c) => closes.push(c));
    t.close();
    expect(t.clientClose).toEqual({ code: 1000, reason: 'OK' });
    await Promise.resolve();
    expect(closes).toEqual([1000]);

    const failing = new ScriptedTransport({ clock, failConnect: new TransportError('network', 'refused') });
    await expect(failing.connect()).rejects.toThrow('refused');

    const manual = new ScriptedTransport({ clock, manualOpen: true });
    let opened = false;
    const p = manual.connect().then(() => (opened = true));
    await Promise.resolve();
    expect(opened).toBe(false);
    manual.open();
    await p;
    expect(opened).toBe(true);
  });

  it('the factory hands out one transport per connection and keeps them', () => {
    const clock = new ManualClock();
    const { factory, transports } = scriptedTransportFactory(() => ({ clock }));
    const a = factory();
    const b = factory();
    expect(transports).toEqual([a, b]);
    expect(a).not.toBe(b);
  });
});
