import { createRemoteJWKSet, errors, jwtVerify, type JWTVerifyGetKey } from 'jose';
import { normalEmail, type Authenticator, type AuthOutcome, type Identity, type RequestHeaders } from './identity';

/**
 * Production identity: a signed JWT a proxy or identity provider put on the request, verified
 * against the issuer's published keys. Two presets share this code:
 * - Identity-Aware Proxy: `x-goog-iap-jwt-assertion`, ES256, issuer https://cloud.google.com/iap,
 *   audience `/projects/NUMBER/global/backendServices/ID` (or `/projects/NUMBER/apps/PROJECT`).
 * - OIDC: `Authorization: Bearer <ID token>` from any provider, with its issuer and JWKS.
 * Nothing else identifies a caller: headers such as `x-goog-authenticated-user-email` are only
 * as trustworthy as the network path, so they are ignored.
 */

export interface SignedHeaderSettings {
  kind: 'iap' | 'oidc';
  /** `authorization` means a `Bearer` token; any other header carries the bare JWT. */
  header: string;
  issuer: string;
  audience: string;
  jwksUrl: string;
  /** Allowed clock difference, in seconds. */
  clockToleranceSeconds?: number;
}

export class SignedHeaderAuthenticator implements Authenticator {
  readonly kind: Identity['via'];
  private readonly keys: JWTVerifyGetKey;

  constructor(
    private readonly settings: SignedHeaderSettings,
    keys?: JWTVerifyGetKey,
  ) {
    this.kind = settings.kind;
    this.keys = keys ?? createRemoteJWKSet(new URL(settings.jwksUrl), { cacheMaxAge: 10 * 60_000, timeoutDuration: 5_000 });
  }

  private token(headers: RequestHeaders): string | undefined {
    const value = headers.get(this.settings.header)?.trim();
    if (!value) return undefined;
    if (this.settings.header.toLowerCase() !== 'authorization') return value;
    const match = /^Bearer\s+(\S+)$/i.exec(value);
    return match?.[1];
  }

  async identify(headers: RequestHeaders): Promise<AuthOutcome> {
    const token = this.token(headers);
    if (!token) return { status: 401, reason: `no ${this.settings.header === 'authorization' ? 'bearer token' : this.settings.header} header` };
    let payload;
    try {
      ({ payload } = await jwtVerify(token, this.keys, {
        issuer: this.settings.issuer,
        audience: this.settings.audience,
        algorithms: ['ES256', 'RS256'],
        clockTolerance: this.settings.clockToleranceSeconds ?? 30,
        requiredClaims: ['exp', 'iat'],
      }));
    } catch (error) {
      const detail = error instanceof errors.JOSEError ? `${error.code}: ${error.message}` : error instanceof Error ? error.message : String(error);
      return { status: 401, reason: `the ${this.settings.kind === 'iap' ? 'IAP assertion' : 'ID token'} does not verify (${detail})`.slice(0, 300) };
    }
    const email = normalEmail(payload.email);
    if (!email) return { status: 403, reason: 'the token names no e-mail address' };
    if (payload.email_verified === false) return { status: 403, reason: `${email} is not a verified address` };
    return { identity: { email, via: this.kind } };
  }
}
