import { jwtVerify, errors as joseErrors } from 'jose';
import { AppError, ErrorCode } from '../schema/index.js';
import type { AuthMode } from '../platform/index.js';

export interface Principal {
  userId: string;
  tenant: string;
  roles: string[];
}

const TENANT_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;
export const DEV_PRINCIPAL: Principal = { userId: 'dev', tenant: 'demo', roles: ['admin'] };

export interface Authenticator {
  /** The principal of an `Authorization` value (`Bearer <JWT>`), or UNAUTHENTICATED. */
  authenticate(authorization: string | undefined | null): Promise<Principal>;
}

/** HS256 JWTs with claims sub, tenant, roles. Under AUTH_MODE=dev a request without a token acts as tenant `demo`. */
export function createAuthenticator(mode: AuthMode, secret: string): Authenticator {
  const key = new TextEncoder().encode(secret);
  return {
    async authenticate(authorization) {
      if (!authorization) {
        if (mode === 'dev') return DEV_PRINCIPAL;
        throw unauthenticated('a bearer token is required');
      }
      const match = /^Bearer\s+(\S+)$/i.exec(authorization.trim());
      if (!match) throw unauthenticated('the Authorization header must be "Bearer <token>"');
      try {
        const { payload } = await jwtVerify(match[1]!, key, { algorithms: ['HS256'] });
        const tenant = payload.tenant;
        if (typeof payload.sub !== 'string' || typeof tenant !== 'string' || !TENANT_PATTERN.test(tenant)) {
          throw unauthenticated('the token must carry claims sub and tenant');
        }
        const roles = Array.isArray(payload.roles) ? payload.roles.filter((r): r is string => typeof r === 'string') : [];
        return { userId: payload.sub, tenant, roles };
      } catch (error) {
        if (error instanceof AppError) throw error;
        if (error instanceof joseErrors.JWTExpired) throw unauthenticated('the token has expired');
        throw unauthenticated('the token is not valid');
      }
    },
  };
}

function unauthenticated(message: string): AppError {
  return new AppError(ErrorCode.UNAUTHENTICATED, message);
}
