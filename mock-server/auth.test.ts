import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { authorize, ClientSecretStore, extractApiKey, mayMintClientSecrets, selectSubprotocol } from './auth.ts';

const req = (headers: Record<string, string>): IncomingMessage => ({ headers }) as unknown as IncomingMessage;

describe('credentials', () => {
  it('reads a Bearer header or the browser subprotocol form', () => {
    expect(extractApiKey(req({ authorization: 'Bearer sk-abc' }))).toBe('sk-abc');
    expect(extractApiKey(req({ authorization: 'bearer   ek_1  ' }))).toBe('ek_1');
    expect(extractApiKey(req({ 'sec-websocket-protocol': 'realtime, openai-insecure-api-key.sk-xyz, openai-beta.realtime-v1' }))).toBe('sk-xyz');
    expect(extractApiKey(req({ 'sec-websocket-protocol': 'realtime, openai-insecure-api-key.' }))).toBeNull();
    expect(extractApiKey(req({ authorization: 'Basic abc' }))).toBeNull();
    expect(extractApiKey(req({}))).toBeNull();
  });

  it('negotiates the realtime subprotocol when offered', () => {
    expect(selectSubprotocol(new Set(['openai-insecure-api-key.k', 'realtime']))).toBe('realtime');
    expect(selectSubprotocol(new Set(['chat']))).toBe(false);
  });
});

describe('authorize', () => {
  const store = new ClientSecretStore();
  store.add('ek_live', { scope: 'realtime', expiresAtS: 1000, session: { type: 'realtime' } });
  store.add('ek_tr', { scope: 'translation', expiresAtS: 1000, session: {} });

  it('accepts any non-empty key without a configured key, none without any key', () => {
    expect(authorize('anything', null, store, 'realtime', 0)).toEqual({ ok: true, clientSecret: null });
    expect(authorize(null, null, store, 'realtime', 0)).toEqual({ ok: false, reason: 'missing' });
    expect(authorize('', null, store, 'realtime', 0)).toEqual({ ok: false, reason: 'missing' });
  });

  it('requires the configured key, or a live ek_ key of the right scope', () => {
    expect(authorize('sk-right', 'sk-right', store, 'realtime', 0).ok).toBe(true);
    expect(authorize('sk-wrong', 'sk-right', store, 'realtime', 0)).toEqual({ ok: false, reason: 'invalid' });
    const ek = authorize('ek_live', 'sk-right', store, 'realtime', 999);
    expect(ek.ok && ek.clientSecret?.session).toEqual({ type: 'realtime' });
    expect(authorize('ek_live', 'sk-right', store, 'realtime', 1000)).toEqual({ ok: false, reason: 'expired' });
    expect(authorize('ek_live', null, store, 'realtime', 2000)).toEqual({ ok: false, reason: 'expired' });
    expect(authorize('ek_tr', 'sk-right', store, 'realtime', 0)).toEqual({ ok: false, reason: 'invalid' });
  });

  it('mints only with a standard key', () => {
    expect(mayMintClientSecrets('sk-a', null)).toBe(true);
    expect(mayMintClientSecrets('ek_a', null)).toBe(false);
    expect(mayMintClientSecrets('sk-a', 'sk-b')).toBe(false);
    expect(mayMintClientSecrets(null, null)).toBe(false);
  });

  it('prunes long-expired secrets', () => {
    const s = new ClientSecretStore();
    s.add('ek_a', { scope: 'realtime', expiresAtS: 10, session: {} });
    s.add('ek_b', { scope: 'realtime', expiresAtS: 5000, session: {} });
    s.prune(10 + 3600);
    expect(s.size).toBe(1);
  });
});
