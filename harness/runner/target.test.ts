import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../common/errors.ts';
import { displayUrl, MOCK_API_KEY, resolveTarget, sessionUrl } from './target.ts';

describe('resolveTarget', () => {
  it('mock: a fixed non-secret key unless the user gave Authorization', () => {
    expect(resolveTarget('mock', {}, {}).headers).toEqual({ Authorization: `Bearer ${MOCK_API_KEY}` });
    expect(resolveTarget('mock', { authorization: 'Bearer x' }, {}).headers).toEqual({ authorization: 'Bearer x' });
  });

  it('openai: OPENAI_API_KEY as a bearer token, a ConfigError without it', () => {
    expect(resolveTarget('openai', {}, { OPENAI_API_KEY: 'sk-test' }).headers).toEqual({ Authorization: 'Bearer sk-test' });
    expect(() => resolveTarget('openai', {}, {})).toThrow(ConfigError);
    expect(() => resolveTarget('openai', {}, { OPENAI_API_KEY: '  ' })).toThrow(/OPENAI_API_KEY is not set/);
  });

  it('a URL: headers as given; the label has no credentials or query', () => {
    const t = resolveTarget('wss://user:pw@relay.example/v1/realtime?token=abc', { 'api-key': 'k' }, {});
    expect(t).toEqual({ type: 'url', label: 'wss://relay.example/v1/realtime', headers: { 'api-key': 'k' } });
    expect(displayUrl('not a url')).toBe('<invalid url>');
  });
});

describe('sessionUrl', () => {
  it('mock and openai: the path and query of each session kind (§1.1)', () => {
    expect(sessionUrl('ws://127.0.0.1:9', 'realtime', 'gpt-realtime-2', false)).toBe('ws://127.0.0.1:9/v1/realtime?model=gpt-realtime-2');
    expect(sessionUrl('wss://api.openai.com', 'transcription', 'gpt-4o-transcribe', false)).toBe('wss://api.openai.com/v1/realtime?intent=transcription');
    expect(sessionUrl('ws://127.0.0.1:9', 'translation', 'gpt-realtime-translate', false)).toBe('ws://127.0.0.1:9/v1/realtime/translations?model=gpt-realtime-translate');
  });

  it('user URLs keep their own model/intent/deployment query and path', () => {
    expect(sessionUrl('wss://x.openai.azure.com/openai/v1/realtime?model=dep', 'realtime', 'gpt-realtime-2', true)).toBe('wss://x.openai.azure.com/openai/v1/realtime?model=dep');
    expect(sessionUrl('ws://relay:8080/rt', 'realtime', 'gpt-realtime-2', true)).toBe('ws://relay:8080/rt?model=gpt-realtime-2');
  });
});
