import { describe, expect, it } from 'vitest';
import { ConfigError } from '../common/errors.ts';
import { injectedFailureError, NO_FAULTS, parseFaultSpecs } from './faults.ts';
import { SeededRng } from './rng.ts';

function problemsOf(specs: string[]): readonly string[] {
  try {
    parseFaultSpecs(specs);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).code).toBe('E_FAULT');
    return (err as ConfigError).problems;
  }
  throw new Error('expected a ConfigError');
}

describe('parseFaultSpecs', () => {
  it('parses every fault with its defaults', () => {
    const plan = parseFaultSpecs([
      'drop',
      'stall:ms=250',
      'rate_limit',
      'server_error:p=0.5',
      'slow_audio',
      'expire',
      'malformed',
      'disorder:kind=done_before_item',
    ]);
    expect(plan.specs).toEqual([
      { name: 'drop', source: 'drop', p: 1, afterEvents: 8 },
      { name: 'stall', source: 'stall:ms=250', ms: 250, p: 1, atEvent: null },
      { name: 'rate_limit', source: 'rate_limit', p: 1, retryAfterS: 1.2 },
      { name: 'server_error', source: 'server_error:p=0.5', p: 0.5 },
      { name: 'slow_audio', source: 'slow_audio', factor: 3 },
      { name: 'expire', source: 'expire', afterS: 10 },
      { name: 'malformed', source: 'malformed', p: 0.05, kind: 'any' },
      { name: 'disorder', source: 'disorder:kind=done_before_item', p: 1, kind: 'done_before_item' },
    ]);
  });

  it('reads every key', () => {
    const plan = parseFaultSpecs(['drop:p=0.25,after_events=0', 'stall:ms=10,p=0.5,at_event=3', 'rate_limit:retry_after_s=86.4,p=0']);
    expect(plan.specs[0]).toMatchObject({ p: 0.25, afterEvents: 0 });
    expect(plan.specs[1]).toMatchObject({ ms: 10, p: 0.5, atEvent: 3 });
    expect(plan.specs[2]).toMatchObject({ retryAfterS: 86.4, p: 0 });
  });

  it('lists every problem, naming the spec and the field', () => {
    const problems = problemsOf([
      'explode',
      'drop:p=2',
      'stall',
      'stall:ms=abc',
      'drop:after_events=1.5',
      'slow_audio:factor=0.5',
      'expire:after_s=0',
      'rate_limit:retry=3',
      'malformed:kind=garbage',
      'drop:p',
      'drop:p=1,p=1',
      'drop:',
      '',
    ]);
    expect(problems).toHaveLength(13);
    expect(problems[0]).toMatch(/--fault "explode": unknown fault "explode"; expected one of drop, stall/);
    expect(problems[1]).toMatch(/--fault "drop:p=2": p must be a probability between 0 and 1, got "2"/);
    expect(problems[2]).toMatch(/--fault "stall": stall requires ms=/);
    expect(problems[3]).toMatch(/--fault "stall:ms=abc": ms must be milliseconds/);
    expect(problems[4]).toMatch(/after_events must be a whole number/);
    expect(problems[5]).toMatch(/factor must be a multiplier between 1 and 1000, got "0.5"/);
    expect(problems[6]).toMatch(/after_s must be seconds > 0/);
    expect(problems[7]).toMatch(/unknown key "retry" for rate_limit; allowed: p, retry_after_s/);
    expect(problems[8]).toMatch(/kind must be one of json, no_type, wrong_type, any/);
    expect(problems[9]).toMatch(/"p" is not key=value/);
    expect(problems[10]).toMatch(/key "p" given twice/);
    expect(problems[11]).toMatch(/nothing after ":"/);
    expect(problems[12]).toMatch(/empty spec/);
  });

  it('accepts an empty list', () => {
    expect(parseFaultSpecs([]).specs).toEqual([]);
  });
});

describe('ConnectionFaults values', () => {
  it('NO_FAULTS changes nothing', () => {
    const f = NO_FAULTS.forConnection(new SeededRng(1));
    expect(f.responseFailure()).toBeNull();
    expect(f.audioSlowdown()).toBe(1);
    expect(f.maxSessionS(3600)).toBe(3600);
    const sent: string[] = [];
    const filter = f.wrapOutbound((s) => sent.push(s), () => sent.push('TERMINATED'), { nowUs: () => 0, setTimeout: () => { throw new Error('no timers'); }, clearTimeout: () => {}, setImmediate: () => { throw new Error('no timers'); }, clearImmediate: () => {} });
    filter({ type: 'response.created' }, 'a');
    filter({ type: 'response.done' }, 'b');
    expect(sent).toEqual(['a', 'b']);
  });

  it('rate_limit with p=1 fails every response with the hint', () => {
    const f = parseFaultSpecs(['rate_limit:retry_after_s=2.5']).forConnection(new SeededRng(7));
    for (let i = 0; i < 5; i++) expect(f.responseFailure()).toEqual({ kind: 'rate_limit_exceeded', retryAfterS: 2.5 });
  });

  it('server_error fails at about its probability, reproducibly per seed', () => {
    const draw = (seed: number) => {
      const f = parseFaultSpecs(['server_error:p=0.3']).forConnection(new SeededRng(seed));
      return Array.from({ length: 400 }, () => f.responseFailure()?.kind ?? null);
    };
    const a = draw(11);
    expect(draw(11)).toEqual(a);
    expect(draw(12)).not.toEqual(a);
    const hits = a.filter((k) => k === 'server_error').length;
    expect(hits).toBeGreaterThan(80);
    expect(hits).toBeLessThan(160);
  });

  it('the first spec that fires wins, and a spec never shifts another', () => {
    const both = parseFaultSpecs(['rate_limit:p=0.5', 'server_error:p=0.5']).forConnection(new SeededRng(3));
    const alone = parseFaultSpecs(['rate_limit:p=0.5', 'server_error:p=0']).forConnection(new SeededRng(3));
    for (let i = 0; i < 50; i++) {
      const b = both.responseFailure();
      const a = alone.responseFailure();
      if (a) expect(b).toEqual(a);
      else expect(b === null || b.kind === 'server_error').toBe(true);
    }
  });

  it('slow_audio multiplies, expire shortens only', () => {
    const f = parseFaultSpecs(['slow_audio:factor=2', 'slow_audio:factor=1.5', 'expire:after_s=30', 'expire:after_s=90']).forConnection(new SeededRng(1));
    expect(f.audioSlowdown()).toBe(3);
    expect(f.maxSessionS(3600)).toBe(30);
    expect(f.maxSessionS(5)).toBe(5);
  });
});

describe('failure wording', () => {
  it('builds the rate-limit and server errors', () => {
    const rl = injectedFailureError({ kind: 'rate_limit_exceeded', retryAfterS: 1.2 }, 'gpt-realtime-2');
    expect(rl.code).toBe('rate_limit_exceeded');
    expect(rl.message).toMatch(/Rate limit reached for gpt-realtime-2 .* Please try again in 1\.2s\./);
    expect(injectedFailureError({ kind: 'server_error' }, null)).toMatchObject({ type: 'server_error', code: 'server_error' });
  });
});
