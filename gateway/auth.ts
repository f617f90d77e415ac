import { createRemoteJWKSet, jwtVerify, errors as joseErrors, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import { AppError, ErrorCode, unsafeCharacterAt } from '../schema/index.js';
import type { AuthMode } from '../platform/index.js';

export interface Principal {
  userId: string;
  tenant: string;
  roles: string[];
  /** When the token stops being valid (ms since the epoch); absent: never (AUTH_MODE=dev without a token). */
  expiresAt?: number;
}

const TENANT_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;
const MAX_SUBJECT_LENGTH = 255;
const MAX_ROLES = 32;
export const DEV_PRINCIPAL: Principal = { userId: 'dev', tenant: 'demo', roles: ['admin'] };

/** Asymmetric algorithms taken from the JWKS; HS256 only with JWT_SECRET. `none` never. */
const JWKS_ALGORITHMS = ['RS256', 'ES256'];

export interface AuthSettings {
  mode: AuthMode;
  /** HS256 key. */
  secret?: string;
  /** RS256/ES256 keys, fetched and cached by jose. */
  jwksUrl?: string;
  issuer?: string;
  audience?: string;
}

export interface Authenticator {
  /** The principal of an `Authorization` value (`Bearer <JWT>`), or UNAUTHENTICATED. */
  authenticate(authorization: string | undefined | null): Promise<Principal>;
}

/**
 * JWTs with claims sub, tenant, roles and exp (required), signed HS256 with the secret or
 * RS256/ES256 with a key of the JWKS; both can be on at once (the token's `alg` picks the key,
 * and each key verifies only its own algorithms). Under AUTH_MODE=dev a request without a token
 * acts as tenant `demo`.
 */
export function createAuthenticator(settings: AuthSettings): Authenticator {
  const getKey = keyResolver(settings);
  const algorithms = [...(settings.secret ? ['HS256'] : []), ...(settings.jwksUrl ? JWKS_ALGORITHMS : [])];
  return {
    async authenticate(authorization) {
      if (!authorization) {
        if (settings.mode === 'dev') return DEV_PRINCIPAL;
        throw unauthenticated('a bearer token is required');
      }
      const match = /^Bearer\s+(\S+)$/i.exec(authorization.trim());
      if (!match) throw unauthenticated('the Authorization header must be "Bearer <token>"');
      let payload: JWTPayload;
      try {
        ({ payload } = await jwtVerify(match[1]!, getKey, {
          algorithms,
          requiredClaims: ['exp', 'sub'],
          ...(settings.issuer ? { issuer: settings.issuer } : {}),
          ...(settings.audience ? { audience: settings.audience } : {}),
        }));
      } catch (error) {
        if (error instanceof AppError) throw error;
        if (error instanceof joseErrors.JWTExpired) throw unauthenticated('the token has expired');
        throw unauthenticated('the token is not valid');
      }
      return principalOf(payload);
    },
  };
}

/** The claims as a principal, or UNAUTHENTICATED when one is missing or unusable. */
function principalOf(payload: JWTPayload): Principal {
  const { sub, tenant, exp } = payload;
  if (typeof sub !== 'string' || sub.length === 0 || sub.length > MAX_SUBJECT_LENGTH || unsafeCharacterAt(sub) >= 0 || /[\s]/.test(sub)) {
    throw unauthenticated(`the token's sub must be 1-${MAX_SUBJECT_LENGTH} printable characters without spaces`);
  }
  if (typeof tenant !== 'string' || !TENANT_PATTERN.test(tenant)) {
    throw unauthenticated('the token must carry a tenant claim of 1-64 letters, digits, "_" or "-"');
  }
  if (typeof exp !== 'number' || !Number.isFinite(exp)) throw unauthenticated('the token must carry exp');
  const roles = Array.isArray(payload.roles)
    ? payload.roles.filter((r): r is string => typeof r === 'string' && r.length <= 64).slice(0, MAX_ROLES)
    : [];
  return { userId: sub, tenant, roles, expiresAt: exp * 1000 };
}

/** The key for a token's header: the secret for HS256, the JWKS for the rest; a JWKS that cannot be read is SERVICE_UNAVAILABLE. */
function keyResolver(settings: AuthSettings): JWTVerifyGetKey {
  const secret = settings.secret ? new TextEncoder().encode(settings.secret) : undefined;
  const jwks = settings.jwksUrl ? createRemoteJWKSet(new URL(settings.jwksUrl), { timeoutDuration: 3000 }) : undefined;
  return async (header, token) => {
    if (header.alg === 'HS256') {
      if (!secret) throw unauthenticated('the token is not valid');
      return secret;
    }
    if (!jwks) throw unauthenticated('the token is not valid');
    try {
      return await jwks(header, token);
    } catch (error) {
      if (error instanceof joseErrors.JWKSNoMatchingKey || error instanceof joseErrors.JWKSMultipleMatchingKeys) throw error;
      // The identity provider's keys could not be read: not the client's fault, and a 401 would make it drop its token.
      throw AppError.serviceUnavailable('the signing keys (JWKS_URL) could not be read; try again shortly');
    }
  };
}

function unauthenticated(message: string): AppError {
  return new AppError(ErrorCode.UNAUTHENTICATED, message);
}
