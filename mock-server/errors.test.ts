import { describe, expect, it } from 'vitest';
import { formatRetryAfter, invalidType, invalidValue, numberOutOfRange, rateLimitMessage, sessionExpiredMessage, truncateBeyondAudio, unknownEventType } from './errors.ts';

describe('error catalogue', () => {
  it('words validation errors like the real service', () => {
    expect(invalidValue('type', 'x', ['a', 'b', 'c']).message).toBe("Invalid value: 'x'. Supported values are: 'a', 'b', and 'c'.");
    expect(invalidValue('p', 16000, [24000]).message).toBe('Invalid value: 16000. Supported values are: 24000.');
    expect(invalidType('session.instructions', 'a string', 3).message).toBe("Invalid type for 'session.instructions': expected a string, but got an integer instead.");
    expect(numberOutOfRange('session.audio.output.speed', 2, 1.5, 'max', false)).toEqual({
      code: 'decimal_above_max_value',
      message: "Invalid 'session.audio.output.speed': decimal above maximum value. Expected a value <= 1.5, but got 2 instead.",
      param: 'session.audio.output.speed',
    });
    expect(unknownEventType('scooby.dooby.doo', ['session.update', 'response.create'])).toEqual({
      code: 'invalid_value',
      message: "Invalid value: 'scooby.dooby.doo'. Supported values are: 'session.update' and 'response.create'.",
      param: 'type',
    });
    expect(truncateBeyondAudio(9250.4, 57340).message).toBe('Audio content of 9250ms is already shorter than 57340ms');
  });

  it('states the session cap in minutes (or seconds for short caps)', () => {
    expect(sessionExpiredMessage(3600)).toBe('Your session hit the maximum duration of 60 minutes.');
    expect(sessionExpiredMessage(60)).toBe('Your session hit the maximum duration of 1 minute.');
    expect(sessionExpiredMessage(1.5)).toBe('Your session hit the maximum duration of 1.5 seconds.');
  });

  it('gives rate limits a "try again in" hint', () => {
    expect(formatRetryAfter(1.2)).toBe('1.2s');
    expect(formatRetryAfter(86.4)).toBe('1m26.4s');
    expect(rateLimitMessage('gpt-realtime', 1.2)).toMatch(/^Rate limit reached for gpt-realtime .* Please try again in 1\.2s\./);
  });
});
