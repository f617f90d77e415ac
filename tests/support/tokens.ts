import { SignJWT } from 'jose';

/** An HS256 token as a real identity provider would issue it. */
export function signToken(secret: string, claims: { sub: string; tenant: string; roles?: string[] }, expiresIn = '1h'): Promise<string> {
  return new SignJWT({ tenant: claims.tenant, roles: claims.roles ?? ['user'] })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(claims.sub)
    .setIssuedAt()
    .setExpirationTime(expiresIn)
    .sign(new TextEncoder().encode(secret));
}
