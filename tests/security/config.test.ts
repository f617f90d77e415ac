import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadConfig } from '../../platform/config.js';

const SECRET = 'a-production-secret-0123456789abcdef';
const KEY = 'a-consistency-token-key-0123456789abcdef';

/** loadConfig over an environment of only `env` (nothing from the machine's). */
const load = (env: Record<string, string>) => loadConfig(env);
const refused = (env: Record<string, string>, pattern: RegExp) => assert.throws(() => load(env), pattern, JSON.stringify(env));

describe('security - configuration refuses what would be unsafe', () => {
  it('AUTH_MODE=jwt without JWT_SECRET or JWKS_URL refuses to start, in every environment', () => {
    for (const NODE_ENV of ['development', 'test', 'production', '']) {
      refused({ AUTH_MODE: 'jwt', NODE_ENV }, /JWT_SECRET or JWKS_URL/);
      refused({ AUTH_MODE: 'jwt', NODE_ENV, JWT_SECRET: '' }, /JWT_SECRET or JWKS_URL/);
    }
  });

  it('the development secret exists only under AUTH_MODE=dev', () => {
    assert.ok(load({}).jwtSecret, 'AUTH_MODE=dev has the development secret');
    assert.equal(load({ AUTH_MODE: 'jwt', JWKS_URL: 'https://idp.example.test/jwks' }).jwtSecret, undefined);
    assert.equal(load({ AUTH_MODE: 'jwt', JWT_SECRET: SECRET }).jwtSecret, SECRET);
  });

  it('a short JWT_SECRET, a JWKS_URL that is not a URL, or plain http in production is refused', () => {
    refused({ AUTH_MODE: 'jwt', JWT_SECRET: 'short' }, /at least 32/);
    refused({ AUTH_MODE: 'jwt', JWKS_URL: 'not a url' }, /JWKS_URL must be a URL/);
    refused({ AUTH_MODE: 'jwt', JWKS_URL: 'file:///etc/keys.json' }, /http\(s\)/);
    refused({ AUTH_MODE: 'jwt', NODE_ENV: 'production', JWKS_URL: 'http://idp.internal/jwks', CONSISTENCY_TOKEN_KEY: KEY }, /https/);
    assert.ok(
      load({ AUTH_MODE: 'jwt', NODE_ENV: 'production', JWKS_URL: 'https://idp.example.test/jwks', CONSISTENCY_TOKEN_KEY: KEY }).jwksUrl,
    );
  });

  it('issuer and audience are taken when given', () => {
    const config = load({ AUTH_MODE: 'jwt', JWT_SECRET: SECRET, JWT_ISSUER: 'https://idp/', JWT_AUDIENCE: 'api' });
    assert.equal(config.jwtIssuer, 'https://idp/');
    assert.equal(config.jwtAudience, 'api');
  });

  it('production: the explorer is off unless EXPLORER=on; elsewhere on unless EXPLORER=off', () => {
    const production = { NODE_ENV: 'production', AUTH_MODE: 'jwt', JWT_SECRET: SECRET };
    assert.equal(load(production).explorer, false);
    assert.equal(load({ ...production, EXPLORER: 'on' }).explorer, true);
    assert.equal(load({}).explorer, true);
    assert.equal(load({ EXPLORER: 'off' }).explorer, false);
    refused({ EXPLORER: 'yes' }, /EXPLORER/);
  });

  it('production without JWT_SECRET needs CONSISTENCY_TOKEN_KEY; short keys and metrics tokens are refused', () => {
    refused({ NODE_ENV: 'production', AUTH_MODE: 'jwt', JWKS_URL: 'https://idp.example.test/jwks' }, /CONSISTENCY_TOKEN_KEY/);
    refused({ CONSISTENCY_TOKEN_KEY: 'short' }, /CONSISTENCY_TOKEN_KEY/);
    refused({ METRICS_TOKEN: 'short' }, /METRICS_TOKEN/);
  });
});
