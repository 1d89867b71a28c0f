import type { Config } from '../../config/config';
import { iapDefaults, type Authenticator } from './identity';
import { LocalUsersAuthenticator, type SessionRecords } from './local-users';
import { SignedHeaderAuthenticator } from './signed-header';

export function authenticatorFor(auth: NonNullable<Config['server']>['auth'], sessions?: SessionRecords): Authenticator {
  switch (auth.mode) {
    case 'iap':
      return new SignedHeaderAuthenticator({ kind: 'iap', header: iapDefaults.header, issuer: auth.issuer, audience: auth.audience, jwksUrl: auth.jwksUrl });
    case 'oidc':
      return new SignedHeaderAuthenticator({ kind: 'oidc', header: auth.header, issuer: auth.issuer, audience: auth.audience, jwksUrl: auth.jwksUrl });
    case 'lab':
      return new LocalUsersAuthenticator(auth.users, { ...(sessions ? { sessions } : {}), ...(auth.sessionSecret ? { sessionSecret: auth.sessionSecret } : {}) });
  }
}
