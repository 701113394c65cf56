import { describe, expect, it } from 'vitest';
import { SeededRng } from '../rng.ts';
import { argumentsFor, sampleFromSchema, wordDeltas } from './answers.ts';
import { planToolCalls, type ToolPlanInput } from './tool-plan.ts';

describe('arguments from JSON Schema', () => {
  it('fills every property with a value of the declared type and bounds', () => {
    const rng = new SeededRng(3);
    const schema = {
      type: 'object',
      properties: {
        city: { type: 'string' },
        unit: { type: 'string', enum: ['c', 'f'] },
        days: { type: 'integer', minimum: 1, maximum: 7 },
        ratio: { type: 'number', minimum: 0, maximum: 1 },
        alerts: { type: 'boolean' },
        tags: { type: 'array', items: { type: 'string' }, minItems: 2 },
        when: { type: 'string', format: 'date' },
        nested: { type: 'object', properties: { id: { type: ['integer', 'null'] } } },
        choice: { anyOf: [{ type: 'null' }, { type: 'string', const: 'x' }] },
      },
    };
    for (let i = 0; i < 20; i++) {
      const v = JSON.parse(argumentsFor(schema, rng));
      expect(typeof v.city).toBe('string');
      expect(['c', 'f']).toContain(v.unit);
      expect(Number.isInteger(v.days) && v.days >= 1 && v.days <= 7).toBe(true);
      expect(v.ratio >= 0 && v.ratio <= 1).toBe(true);
      expect(typeof v.alerts).toBe('boolean');
      expect(v.tags).toHaveLength(2);
      expect(v.when).toMatch(/^\d{4}-\d\d-\d\d$/);
      expect(Number.isInteger(v.nested.id)).toBe(true);
      expect(v.choice).toBe('x');
    }
    expect(argumentsFor(undefined, rng)).toBe('{}');
    expect(sampleFromSchema({ type: 'string', maxLength: 3 }, rng)).toHaveLength(3);
  });

  it('splits text into word deltas that concatenate back exactly', () => {
    const text = 'Hello there,  how are you?';
    expect(wordDeltas(text).join('')).toBe(text);
    expect(wordDeltas(text)[1]).toBe(' there,');
  });
});

describe('tool plan', () => {
  const tools = [{ type: 'function' as const, name: 'a' }, { type: 'function' as const, name: 'b' }, { type: 'mcp', server_label: 'm' } as never];
  const base: ToolPlanInput = { tools, toolChoice: 'auto', parallelToolCalls: false, toolPlan: 'auto', lastInputKind: 'message:user' };
  const names = (i: Partial<ToolPlanInput>) => planToolCalls({ ...base, ...i }).map((t) => t.name);

  it('calls the first function tool on a user turn and speaks after a tool output', () => {
    expect(names({})).toEqual(['a']);
    expect(names({ lastInputKind: 'function_call_output' })).toEqual([]);
    expect(names({ lastInputKind: null })).toEqual([]);
    expect(names({ parallelToolCalls: true })).toEqual(['a', 'b']);
  });

  it('follows tool_choice and the server plan', () => {
    expect(names({ toolChoice: 'none' })).toEqual([]);
    expect(names({ toolChoice: 'required', lastInputKind: 'function_call_output' })).toEqual(['a']);
    expect(names({ toolChoice: { type: 'function', name: 'b' }, lastInputKind: null })).toEqual(['b']);
    expect(names({ toolChoice: { type: 'function', name: 'zzz' } })).toEqual([]);
    expect(names({ toolPlan: 'never' })).toEqual([]);
    expect(names({ toolPlan: 'always', lastInputKind: 'function_call_output' })).toEqual(['a']);
    expect(names({ tools: [] , toolChoice: 'required' })).toEqual([]);
  });
});
