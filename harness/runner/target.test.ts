import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../common/errors.ts';
import { completeEndpointPath, displayUrl, isServerRootPath, MOCK_API_KEY, resolveTarget, sessionUrl } from './target.ts';

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
    expect(t).toEqual({ type: 'url', label: 'wss://relay.example/v1/realtime', headers: { 'api-key': 'k' }, warning: null });
    expect(displayUrl('not a url')).toBe('<invalid url>');
  });

  it('--api-key-env: the named variable for any target; a header the user gave wins', () => {
    const flag = { name: 'MY_KEY', from: '--api-key-env' };
    expect(resolveTarget('ws://127.0.0.1:9', {}, { MY_KEY: ' sk-mine ' }, flag).headers).toEqual({ Authorization: 'Bearer sk-mine' });
    expect(resolveTarget('openai', {}, { MY_KEY: 'sk-mine', OPENAI_API_KEY: 'sk-default' }, flag).headers).toEqual({ Authorization: 'Bearer sk-mine' });
    expect(resolveTarget('mock', {}, { MY_KEY: 'k2' }, flag).headers).toEqual({ Authorization: 'Bearer k2' });
    expect(resolveTarget('ws://h', { Authorization: 'Bearer from-header' }, {}, flag).headers).toEqual({ Authorization: 'Bearer from-header' });
  });

  it('an unset or empty named variable is a ConfigError naming the flag (or file field) and the variable, never a key', () => {
    const run = (from: string, env: NodeJS.ProcessEnv): unknown => {
      try {
        resolveTarget('ws://h', {}, env, { name: 'MY_KEY', from });
      } catch (e) {
        return e;
      }
      return null;
    };
    const e = run('--api-key-env', { OTHER: 'sk-not-this-one' }) as ConfigError;
    expect(e).toBeInstanceOf(ConfigError);
    expect(e.message).toMatch(/--api-key-env: MY_KEY is not set or empty/);
    expect(e.message).not.toContain('sk-not-this-one');
    expect((run('scenarios/x.yaml: api_key_env', { MY_KEY: ' ' }) as Error).message).toMatch(/scenarios\/x\.yaml: api_key_env: MY_KEY is not set or empty/);
  });

  it('a URL target without any credential gets one warning line (never for mock/openai, or with Authorization / api-key)', () => {
    const w = resolveTarget('ws://user:pw@127.0.0.1:8080/?token=abc', {}, {}).warning;
    expect(w).toMatch(/^rth run: warning: --target ws:\/\/127\.0\.0\.1:8080\/ gets no credential/);
    expect(w).not.toMatch(/pw|abc/);
    expect(w!.split('\n')).toHaveLength(1);
    expect(resolveTarget('ws://h', { 'API-KEY': 'x' }, {}).warning).toBeNull();
    expect(resolveTarget('ws://h', { authorization: 'Bearer x' }, {}).warning).toBeNull();
    expect(resolveTarget('ws://h', {}, { K: 'x' }, { name: 'K', from: '--api-key-env' }).warning).toBeNull();
    expect(resolveTarget('mock', {}, {}).warning).toBeNull();
  });
});

describe('server root completion', () => {
  it('empty, / and /v1 (trailing slashes too) are the root; anything else is a path the user wrote', () => {
    for (const p of ['', '/', '/v1', '/v1/', '//']) expect(isServerRootPath(p)).toBe(true);
    for (const p of ['/v1/realtime', '/rt', '/openai/v1', '/v2']) expect(isServerRootPath(p)).toBe(false);
    expect(completeEndpointPath('/', 'realtime')).toBe('/v1/realtime');
    expect(completeEndpointPath('/v1', 'transcription')).toBe('/v1/realtime');
    expect(completeEndpointPath('', 'translation')).toBe('/v1/realtime/translations');
    expect(completeEndpointPath('/rt', 'translation')).toBe('/rt');
  });
});

describe('sessionUrl', () => {
  it('mock and openai: the path and query of each session kind (§1.1)', () => {
    expect(sessionUrl('ws://127.0.0.1:9', 'realtime', 'gpt-realtime-2', false)).toBe('ws://127.0.0.1:9/v1/realtime?model=gpt-realtime-2');
    expect(sessionUrl('wss://api.openai.com', 'transcription', 'gpt-4o-transcribe', false)).toBe('wss://api.openai.com/v1/realtime?intent=transcription');
    expect(sessionUrl('ws://127.0.0.1:9', 'translation', 'gpt-realtime-translate', false)).toBe('ws://127.0.0.1:9/v1/realtime/translations?model=gpt-realtime-translate');
  });

  it('a user URL naming the server root gets the path of each kind, as the official SDKs complete a base URL', () => {
    expect(sessionUrl('ws://127.0.0.1:8080', 'realtime', 'gpt-realtime-2', true)).toBe('ws://127.0.0.1:8080/v1/realtime?model=gpt-realtime-2');
    expect(sessionUrl('ws://127.0.0.1:8080/', 'transcription', 'gpt-4o-transcribe', true)).toBe('ws://127.0.0.1:8080/v1/realtime?intent=transcription');
    expect(sessionUrl('wss://relay.example/v1', 'translation', 'gpt-realtime-translate', true)).toBe('wss://relay.example/v1/realtime/translations?model=gpt-realtime-translate');
    // Query rules unchanged: the URL's own model/intent/call_id is kept, and the root still completed.
    expect(sessionUrl('ws://h:1/?model=mine', 'realtime', 'gpt-realtime-2', true)).toBe('ws://h:1/v1/realtime?model=mine');
    expect(sessionUrl('ws://h:1/v1/?token=t', 'realtime', 'm', true)).toBe('ws://h:1/v1/realtime?token=t&model=m');
  });

  it('user URLs keep their own model/intent/deployment query and path', () => {
    expect(sessionUrl('wss://x.openai.azure.com/openai/v1/realtime?model=dep', 'realtime', 'gpt-realtime-2', true)).toBe('wss://x.openai.azure.com/openai/v1/realtime?model=dep');
    expect(sessionUrl('ws://relay:8080/rt', 'realtime', 'gpt-realtime-2', true)).toBe('ws://relay:8080/rt?model=gpt-realtime-2');
  });
});
