import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, beforeEach, describe, it } from 'node:test';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import type { CloseCode } from 'graphql-ws';
import { exportJWK, exportSPKI, generateKeyPair, SignJWT, type JWK, type JWTPayload } from 'jose';
import { createProduct, PRODUCT_FIELDS } from '../support/catalog.js';
import { gqlData, wsClient } from '../support/graphql-client.js';
import { TestSystem } from '../support/system.js';
import { waitFor } from '../support/wait.js';

const SECRET = 'jwt-security-secret-0123456789abcdef';
const ISSUER = 'https://idp.example.test/';
const AUDIENCE = 'cqrs-gateway';
const PRODUCTS = '{ products(first: 1) { totalCount } }';

type Alg = 'HS256' | 'RS256' | 'ES256';
type KeyLike = Parameters<SignJWT['sign']>[0];
type KeyPair = Awaited<ReturnType<typeof generateKeyPair>>;

/** A token as an identity provider would issue it, with each claim overridable (`undefined`: left out). */
async function token(
  key: KeyLike,
  alg: Alg,
  claims: Partial<Record<'sub' | 'tenant' | 'roles' | 'exp' | 'nbf' | 'iss' | 'aud', unknown>> = {},
  kid?: string,
): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const all: Record<string, unknown> = {
    sub: 'alice',
    tenant: 'jwt-tenant',
    roles: ['admin'],
    iss: ISSUER,
    aud: AUDIENCE,
    exp: now + 3600,
    ...claims,
  };
  const payload: JWTPayload = Object.fromEntries(Object.entries(all).filter(([, v]) => v !== undefined));
  return new SignJWT(payload).setProtectedHeader({ alg, ...(kid ? { kid } : {}) }).sign(key);
}

const hs = (claims: Parameters<typeof token>[2] = {}) => token(new TextEncoder().encode(SECRET), 'HS256', claims);
const bearer = (jwt: string) => ({ authorization: `Bearer ${jwt}` });

/** A POST to /graphql: status and body. */
async function post(url: string, query: string, headers: Record<string, string>): Promise<{ status: number; body: any }> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ query }),
  });
  return { status: response.status, body: await response.json() };
}

describe('security - JWT: who may call, and for how long', () => {
  let system: TestSystem;
  let jwks: http.Server;
  let keys: { rs: KeyPair; es: KeyPair; stranger: KeyPair };
  let nc: NatsConnection;
  /** Messages that reached a service (commands and queries) since the test began. */
  let reached = 0;

  before(async () => {
    keys = {
      rs: await generateKeyPair('RS256', { extractable: true }),
      es: await generateKeyPair('ES256', { extractable: true }),
      stranger: await generateKeyPair('RS256', { extractable: true }),
    };
    const published: JWK[] = [
      { ...(await exportJWK(keys.rs.publicKey)), kid: 'rs-1', alg: 'RS256', use: 'sig' },
      { ...(await exportJWK(keys.es.publicKey)), kid: 'es-1', alg: 'ES256', use: 'sig' },
    ];
    jwks = http.createServer((_req, res) =>
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: published })),
    );
    await new Promise<void>((resolve) => jwks.listen(0, '127.0.0.1', resolve));
    const jwksUrl = `http://127.0.0.1:${(jwks.address() as AddressInfo).port}/.well-known/jwks.json`;
    system = await TestSystem.start('jwt', {
      AUTH_MODE: 'jwt',
      JWT_SECRET: SECRET,
      JWKS_URL: jwksUrl,
      JWT_ISSUER: ISSUER,
      JWT_AUDIENCE: AUDIENCE,
    });
    nc = await connect({ servers: system.config.natsUrl });
    const ns = system.config.namespace;
    for (const subject of [`${ns}.command.>`, `${ns}.query.>`]) {
      nc.subscribe(subject, {
        callback: () => {
          reached += 1;
        },
      });
    }
    await nc.flush();
  });
  after(async () => {
    await nc?.close();
    await system?.stop();
    jwks?.close();
  });
  beforeEach(() => {
    reached = 0;
  });

  /** Sends a query and a mutation with `authorization`: both 401 UNAUTHENTICATED, and nothing reached a service. */
  async function assertRefused(authorization: string, what: string): Promise<void> {
    const headers = { authorization };
    const read = await post(system.graphqlUrl, PRODUCTS, headers);
    const write = await post(
      system.graphqlUrl,
      'mutation { createProduct(input: { sku: "JWT-REFUSED", title: "t", category: "c", price: "1.00" }) { aggregateId } }',
      headers,
    );
    for (const { status, body } of [read, write]) {
      assert.equal(status, 401, `${what}: ${JSON.stringify(body)}`);
      assert.equal(body.errors?.[0]?.extensions?.code, 'UNAUTHENTICATED', what);
      assert.equal(body.data, undefined, what);
    }
    await nc.flush();
    assert.equal(reached, 0, `${what}: a request reached a service`);
  }

  it('a token without exp is UNAUTHENTICATED', async () => {
    await assertRefused(`Bearer ${await hs({ exp: undefined })}`, 'no exp');
  });

  it('an expired token is UNAUTHENTICATED', async () => {
    await assertRefused(`Bearer ${await hs({ exp: Math.floor(Date.now() / 1000) - 60 })}`, 'expired');
  });

  it('a token whose nbf is in the future is UNAUTHENTICATED', async () => {
    await assertRefused(`Bearer ${await hs({ nbf: Math.floor(Date.now() / 1000) + 600 })}`, 'nbf in the future');
  });

  it('an unsigned token (alg none) is UNAUTHENTICATED', async () => {
    const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const exp = Math.floor(Date.now() / 1000) + 3600;
    const unsigned = `${part({ alg: 'none', typ: 'JWT' })}.${part({ sub: 'eve', tenant: 'jwt-tenant', iss: ISSUER, aud: AUDIENCE, exp })}.`;
    await assertRefused(`Bearer ${unsigned}`, 'alg none');
  });

  it('a token signed with another key is UNAUTHENTICATED: another secret, a key not in the JWKS, the RSA public key as an HMAC secret', async () => {
    await assertRefused(
      `Bearer ${await token(new TextEncoder().encode('another-secret-another-secret-0123456789'), 'HS256')}`,
      'another secret',
    );
    await assertRefused(`Bearer ${await token(keys.stranger.privateKey, 'RS256', {}, 'rs-1')}`, 'stranger key under a known kid');
    await assertRefused(`Bearer ${await token(keys.stranger.privateKey, 'RS256', {}, 'unknown')}`, 'unknown kid');
    const publicPem = new TextEncoder().encode(await exportSPKI(keys.rs.publicKey));
    await assertRefused(`Bearer ${await token(publicPem, 'HS256')}`, 'alg confusion');
  });

  it('a token with the wrong issuer or audience, or none, is UNAUTHENTICATED', async () => {
    await assertRefused(`Bearer ${await hs({ iss: 'https://evil.example.test/' })}`, 'wrong iss');
    await assertRefused(`Bearer ${await hs({ iss: undefined })}`, 'no iss');
    await assertRefused(`Bearer ${await hs({ aud: 'another-api' })}`, 'wrong aud');
    await assertRefused(`Bearer ${await hs({ aud: undefined })}`, 'no aud');
  });

  it('an empty or missing sub is UNAUTHENTICATED', async () => {
    await assertRefused(`Bearer ${await hs({ sub: '' })}`, 'empty sub');
    await assertRefused(`Bearer ${await hs({ sub: undefined })}`, 'no sub');
  });

  it('odd tenant claims are UNAUTHENTICATED: too long, bad characters, not a string, missing', async () => {
    const odd: unknown[] = [
      't'.repeat(65),
      '',
      'a.b',
      'a/b',
      '../other',
      'a b',
      'tenant*',
      'tën',
      'a\nb',
      7,
      ['jwt-tenant'],
      { id: 'x' },
      null,
      undefined,
    ];
    for (const tenant of odd) await assertRefused(`Bearer ${await hs({ tenant })}`, `tenant ${JSON.stringify(tenant)}`);
  });

  it('subject injection attempts are UNAUTHENTICATED: control characters, NUL, spaces, lone surrogates, too long, not a string', async () => {
    const odd: unknown[] = ['alice\n{"level":50}', 'alice\u0000', 'alice bob', 'x\ud800', 's'.repeat(256), 42, ['alice'], { id: 'alice' }];
    for (const sub of odd) await assertRefused(`Bearer ${await hs({ sub })}`, `sub ${JSON.stringify(sub)}`);
  });

  it('RS256 and ES256 tokens from the JWKS are accepted, as is HS256 with the secret, and act for their tenant', async () => {
    const rs = bearer(await token(keys.rs.privateKey, 'RS256', { tenant: 'jwks-tenant' }, 'rs-1'));
    const es = bearer(await token(keys.es.privateKey, 'ES256', { tenant: 'jwks-tenant' }, 'es-1'));
    const created = await createProduct(system.graphqlUrl, { title: 'Signed by the IdP' }, rs);
    const read = `query($id: ID!, $t: String) { product(id: $id, consistencyToken: $t) { ${PRODUCT_FIELDS} } }`;
    const asEs = await gqlData<{ product: { title: string } | null }>(
      system.graphqlUrl,
      read,
      { id: created.aggregateId, t: created.consistencyToken },
      es,
    );
    assert.equal(asEs.product?.title, 'Signed by the IdP');
    const otherTenant = await gqlData<{ product: unknown }>(
      system.graphqlUrl,
      read,
      { id: created.aggregateId, t: created.consistencyToken },
      bearer(await hs({ tenant: 'jwt-tenant' })),
    );
    assert.equal(otherTenant.product, null);
  });

  it('a WebSocket is refused with 4403 for a bad token, and closed with 4403 when its token expires', async () => {
    const refused = wsClient(system.graphqlUrl, { authorization: `Bearer ${await hs({ exp: undefined })}` });
    let refusedCode: number | undefined;
    refused.on('closed', (event) => {
      refusedCode = (event as { code?: number }).code;
    });
    refused.subscribe({ query: '{ projections { name } }' }, { next: () => undefined, error: () => undefined, complete: () => undefined });
    await waitFor(() => refusedCode, { what: 'the refused socket to close' });
    assert.equal(refusedCode, 4403 satisfies CloseCode.Forbidden);
    await refused.dispose();

    const created = await createProduct(system.graphqlUrl, {}, bearer(await hs()));
    const exp = Math.floor(Date.now() / 1000) + 3;
    const client = wsClient(system.graphqlUrl, { authorization: `Bearer ${await hs({ exp })}` });
    let closed: { code: number; at: number } | undefined;
    client.on('closed', (event) => {
      closed = { code: (event as { code: number }).code, at: Date.now() };
    });
    const values: unknown[] = [];
    client.subscribe(
      { query: 'subscription($id: ID!) { productUpdated(id: $id) { id title } }', variables: { id: created.aggregateId } },
      { next: (value) => values.push(value), error: () => undefined, complete: () => undefined },
    );
    try {
      await waitFor(() => values.length > 0, { what: 'the subscription to work before expiry' });
      assert.equal(closed, undefined);
      await waitFor(() => closed, { timeoutMs: 15_000, what: 'the socket to close at expiry' });
      assert.equal(closed!.code, 4403);
      assert.ok(closed!.at >= exp * 1000 - 50, `closed ${exp * 1000 - closed!.at} ms before exp`);
    } finally {
      await client.dispose();
    }
  });
});

describe('security - JWT: an identity provider that cannot be reached', () => {
  let system: TestSystem;
  let closedUrl: string;
  before(async () => {
    // A port that was just free: nothing listens on it.
    const probe = http.createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    closedUrl = `http://127.0.0.1:${(probe.address() as AddressInfo).port}/jwks.json`;
    await new Promise((resolve) => probe.close(resolve));
    system = await TestSystem.start('jwksdown', { AUTH_MODE: 'jwt', JWKS_URL: closedUrl }, ['gateway']);
  });
  after(async () => {
    await system?.stop();
  });

  it('an RS256 token is SERVICE_UNAVAILABLE (the token is not at fault), and HS256 is refused: there is no secret', async () => {
    const { privateKey } = await generateKeyPair('RS256');
    const rs = await post(system.graphqlUrl, PRODUCTS, bearer(await token(privateKey, 'RS256', {}, 'rs-1')));
    assert.equal(rs.body.errors?.[0]?.extensions?.code, 'SERVICE_UNAVAILABLE', JSON.stringify(rs.body));
    assert.equal(rs.status, 503);
    assert.equal(rs.body.data, undefined);
    const hsAnswer = await post(system.graphqlUrl, PRODUCTS, bearer(await hs()));
    assert.equal(hsAnswer.status, 401);
    assert.equal(hsAnswer.body.errors?.[0]?.extensions?.code, 'UNAUTHENTICATED');
  });
});
