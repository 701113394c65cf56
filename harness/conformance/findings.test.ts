import { describe, expect, it } from 'vitest';
import { excerpt, FindingSink, MAX_EXCERPT_CHARS, redactSecrets } from './findings.ts';

describe('redactSecrets', () => {
  it('redacts API keys, client secrets and bearer tokens but leaves ordinary words', () => {
    const text = 'key sk-proj-abc123DEF456 and sk-abcdef, ek_68af296e8e408191a1120ab6383263c2; Authorization: Bearer abc.def.ghi; task-list ok';
    const out = redactSecrets(text);
    expect(out).not.toMatch(/(?<![a-z])sk-[a-z]|ek_6|abc\.def/);
    expect(out).toContain('task-list ok');
    expect(out.match(/\[REDACTED\]/g)).toHaveLength(4);
  });

  it('redacts JSON fields named like secrets', () => {
    expect(redactSecrets('{"api_key":"hunter2","client_secret":"xyz"}')).toBe('{"api_key":"[REDACTED]","client_secret":"[REDACTED]"}');
  });
});

describe('excerpt', () => {
  it('is at most 300 chars and contains no key, even one cut by the boundary', () => {
    for (let pad = 280; pad < 305; pad++) {
      const raw = `${'x'.repeat(pad)} sk-proj-${'A'.repeat(40)} tail`;
      const out = excerpt(raw);
      expect(out.length).toBeLessThanOrEqual(MAX_EXCERPT_CHARS);
      expect(out).not.toMatch(/sk-p|AAAAA/);
    }
  });
  it('keeps short frames whole', () => {
    expect(excerpt('{"type":"x"}')).toBe('{"type":"x"}');
  });
});

describe('FindingSink', () => {
  it('uses the catalogue severity and caps per rule', () => {
    const sink = new FindingSink(2);
    const at = { index: 3, type: 'error', raw: '{}' };
    for (let i = 0; i < 5; i++) sink.report('RT-EVENT-002', `m${i}`, at);
    sink.report('RT-ERROR-001', 'bad', at);
    const out = sink.toArray();
    expect(out.map((f) => [f.ruleId, f.severity, f.suppressed])).toEqual([
      ['RT-EVENT-002', 'info', undefined],
      ['RT-EVENT-002', 'info', undefined],
      ['RT-ERROR-001', 'error', undefined],
      ['RT-EVENT-002', 'info', 3],
    ]);
    expect(sink.count('RT-EVENT-002')).toBe(5);
  });
});
