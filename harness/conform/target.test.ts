import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../common/errors.ts';
import { PROBES, selectProbes, shortProbeName } from './probes.ts';
import { DEFAULT_PROBE_MODELS, mockProbeTarget, parseHeaderFlags, resolveRemoteTarget, userUrlEndpoints, withWrongKey, WRONG_API_KEY } from './target.ts';

const models = DEFAULT_PROBE_MODELS;

describe('userUrlEndpoints', () => {
  it('a bare host gets /v1/realtime; the kinds get ?model=, ?intent=transcription and /translations', () => {
    expect(userUrlEndpoints('wss://relay.example', models, false)).toEqual({
      realtime: 'wss://relay.example/v1/realtime?model=gpt-realtime-2',
      transcription: 'wss://relay.example/v1/realtime?intent=transcription',
      translation: 'wss://relay.example/v1/realtime/translations?model=gpt-realtime-translate',
      realtimeModel: 'gpt-realtime-2',
    });
  });

  it('a server root written as /, /v1 or /v1/ gets /v1/realtime, like rth run', () => {
    for (const root of ['ws://127.0.0.1:8080/', 'ws://127.0.0.1:8080/v1', 'ws://127.0.0.1:8080/v1/']) {
      const e = userUrlEndpoints(root, models, false);
      expect(e.realtime).toBe('ws://127.0.0.1:8080/v1/realtime?model=gpt-realtime-2');
      expect(e.translation).toBe('ws://127.0.0.1:8080/v1/realtime/translations?model=gpt-realtime-translate');
    }
  });

  it("keeps the URL's own path and other query parameters; its ?model= is the realtime model unless --model was given", () => {
    const e = userUrlEndpoints('wss://azure.example/openai/v1/realtime?model=my-deploy&api-version=1', models, false);
    expect(e.realtime).toBe('wss://azure.example/openai/v1/realtime?api-version=1&model=my-deploy');
    expect(e.transcription).toBe('wss://azure.example/openai/v1/realtime?api-version=1&intent=transcription');
    expect(e.translation).toBe('wss://azure.example/openai/v1/realtime/translations?api-version=1&model=gpt-realtime-translate');
    expect(userUrlEndpoints('ws://h/v1/realtime/translations?model=x', { ...models, realtime: 'm2' }, true).realtime).toBe('ws://h/v1/realtime?model=m2');
  });
});

describe('withWrongKey', () => {
  it('replaces Authorization and api-key, keeps other headers, adds Authorization when there was no credential', () => {
    expect(withWrongKey({ authorization: 'Bearer sk-real', 'X-Org': 'o' })).toEqual({ authorization: `Bearer ${WRONG_API_KEY}`, 'X-Org': 'o' });
    expect(withWrongKey({ 'api-key': 'azure-real' })).toEqual({ 'api-key': WRONG_API_KEY });
    expect(withWrongKey({})).toEqual({ Authorization: `Bearer ${WRONG_API_KEY}` });
  });
});

describe('resolveRemoteTarget', () => {
  it('openai: the key from OPENAI_API_KEY (or --api-key-env), official URLs, no expiry, a wrong key for the bad-key probe', () => {
    const t = resolveRemoteTarget({ target: 'openai', headers: {}, env: { OPENAI_API_KEY: 'sk-real' }, models, modelGiven: false });
    expect(t).toMatchObject({ type: 'openai', label: 'openai', expiry: null, transcriptionModel: 'gpt-4o-transcribe' });
    expect(t.realtime).toEqual({ url: 'wss://api.openai.com/v1/realtime?model=gpt-realtime-2', headers: { Authorization: 'Bearer sk-real' } });
    expect(t.transcription.url).toBe('wss://api.openai.com/v1/realtime?intent=transcription');
    expect(t.translation.url).toBe('wss://api.openai.com/v1/realtime/translations?model=gpt-realtime-translate');
    expect(t.badKey.headers).toEqual({ Authorization: `Bearer ${WRONG_API_KEY}` });
    const other = resolveRemoteTarget({ target: 'openai', headers: {}, apiKeyEnv: 'MY_KEY', env: { MY_KEY: 'sk-mine' }, models, modelGiven: false });
    expect(other.realtime.headers).toEqual({ Authorization: 'Bearer sk-mine' });
  });

  it('a URL: no key unless --api-key-env; --header wins; the label drops query and credentials', () => {
    const t = resolveRemoteTarget({ target: 'wss://user:pw@relay.example/rt?token=abc', headers: { 'X-A': '1' }, env: {}, models, modelGiven: false });
    expect(t.label).toBe('wss://relay.example/rt');
    expect(t.realtime.headers).toEqual({ 'X-A': '1' });
    const keyed = resolveRemoteTarget({ target: 'ws://h', headers: { Authorization: 'Bearer from-header' }, apiKeyEnv: 'K', env: { K: 'from-env' }, models, modelGiven: false });
    expect(keyed.realtime.headers).toEqual({ Authorization: 'Bearer from-header' });
  });

  it('a missing key or a non-ws URL is a ConfigError naming the flag, without the key', () => {
    expect(() => resolveRemoteTarget({ target: 'openai', headers: {}, env: {}, models, modelGiven: false })).toThrow(/OPENAI_API_KEY is not set/);
    expect(() => resolveRemoteTarget({ target: 'https://x', headers: {}, env: {}, models, modelGiven: false })).toThrow(ConfigError);
  });
});

describe('mockProbeTarget', () => {
  it('the main mock for the three kinds, the side mocks for bad key and expiry', () => {
    const t = mockProbeTarget({ main: 'ws://127.0.0.1:1', badKey: 'ws://127.0.0.1:2', expiry: { url: 'ws://127.0.0.1:3', maxSessionS: 1 } });
    expect(t.realtime.url).toBe('ws://127.0.0.1:1/v1/realtime?model=gpt-realtime-2');
    expect(t.transcription.url).toBe('ws://127.0.0.1:1/v1/realtime?intent=transcription');
    expect(t.badKey.url).toBe('ws://127.0.0.1:2/v1/realtime?model=gpt-realtime-2');
    expect(t.expiry).toMatchObject({ url: 'ws://127.0.0.1:3/v1/realtime?model=gpt-realtime-2', maxSessionS: 1 });
  });
});

describe('parseHeaderFlags', () => {
  it('parses Name: value and reports bad ones without echoing them', () => {
    const problems: string[] = [];
    expect(parseHeaderFlags(['X-A: 1', 'Authorization: Bearer a:b', 'sk-bare-secret'], problems)).toEqual({ 'X-A': '1', Authorization: 'Bearer a:b' });
    expect(problems).toEqual(["--header: header 3: expected 'Name: value' with a valid header name (text not shown)"]);
  });
});

describe('selectProbes', () => {
  it('takes ids or short names in any case and returns catalogue order; undefined means all', () => {
    expect(selectProbes('bad-key, PROBE-CANCEL-IDLE,Transcription').map((p) => p.id)).toEqual(['PROBE-CANCEL-IDLE', 'PROBE-TRANSCRIPTION', 'PROBE-BAD-KEY']);
    expect(selectProbes(undefined)).toHaveLength(PROBES.length);
    expect(shortProbeName('PROBE-ITEM-DELETE-RETRIEVE')).toBe('item-delete-retrieve');
  });

  it('unknown or empty lists are ConfigErrors listing the known names', () => {
    expect(() => selectProbes('cancel-idle,nope')).toThrow(/unknown probe "nope"; known: active-response, commit-empty/);
    expect(() => selectProbes(' , ')).toThrow(/expected a comma-separated list/);
  });

  it('probe ids are unique, PROBE-prefixed, and each names its source', () => {
    expect(new Set(PROBES.map((p) => p.id)).size).toBe(PROBES.length);
    for (const p of PROBES) {
      expect(p.id).toMatch(/^PROBE-[A-Z-]+$/);
      expect(p.source).toMatch(/§\d/);
      expect(p.description.length).toBeGreaterThan(20);
    }
  });
});
