import os from 'node:os';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../common/errors.ts';
import { DEFAULT_MODELS, resolveScenario } from './resolve.ts';

const source = { label: 'models.yaml', path: null, dir: os.tmpdir() };

function problemsOf(raw: Record<string, unknown>): readonly string[] {
  try {
    resolveScenario(raw, source);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as ConfigError).problems;
  }
  throw new Error('expected a ConfigError');
}

describe('scenario models', () => {
  it('keeps gpt-realtime-2 as the default realtime model, at effort low', () => {
    const s = resolveScenario({ sessions: 1 }, source);
    expect(DEFAULT_MODELS.realtime).toBe('gpt-realtime-2');
    expect(s.model).toBe('gpt-realtime-2');
    expect(s.efforts).toEqual(['low']);
  });

  it.each(['gpt-realtime-2.1', 'gpt-realtime-2.1-mini', 'gpt-realtime-2.1-mini-2026-12-01'])('%s resolves as a reasoning model: effort low by default, every effort accepted', (model) => {
    expect(resolveScenario({ model }, source)).toMatchObject({ model, kind: 'realtime', efforts: ['low'] });
    const all = ['minimal', 'low', 'medium', 'high', 'xhigh'];
    expect(resolveScenario({ model, efforts: all }, source).efforts).toEqual(all);
  });

  it('refuses efforts for a model known to have no reasoning, naming the field and the model', () => {
    const problems = problemsOf({ model: 'gpt-realtime-mini', efforts: ['none', 'high'] });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^models\.yaml: efforts\[1\]: expected 'none' for model gpt-realtime-mini, which has no reasoning .*got 'high'$/);
  });

  it('gpt-realtime-2025-08-28 is a snapshot of gpt-realtime, so it defaults to no effort', () => {
    expect(resolveScenario({ model: 'gpt-realtime-2025-08-28' }, source).efforts).toEqual(['none']);
  });

  it('an unknown model name (a deployment) takes whatever efforts the scenario asks for', () => {
    expect(resolveScenario({ model: 'my-deployment' }, source).efforts).toEqual(['none']);
    expect(resolveScenario({ model: 'my-deployment', efforts: ['high'] }, source).efforts).toEqual(['high']);
  });

  it('--model overrides the file and efforts are checked against the model it names', () => {
    expect(resolveScenario({ model: 'gpt-realtime-2', efforts: ['high'] }, source, { model: 'gpt-realtime-2.1-mini' })).toMatchObject({ model: 'gpt-realtime-2.1-mini', efforts: ['high'] });
    let problems: readonly string[] = [];
    try {
      resolveScenario({ efforts: ['high'] }, source, { model: 'gpt-realtime-mini' });
    } catch (e) {
      problems = (e as ConfigError).problems;
    }
    expect(problems.join('\n')).toMatch(/efforts\[0\]: expected 'none' for model gpt-realtime-mini/);
  });
});
