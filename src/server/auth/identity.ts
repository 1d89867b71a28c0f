import { onAddressList } from '../../workflows/shared';
export { normalEmail } from '../../workflows/email';

/** Who is calling the console or its API, as established by the configured authenticator. */
export interface Identity {
  email: string;
  /** How the identity was established: an identity-aware proxy, an OIDC token, or a lab user. */
  via: 'iap' | 'oidc' | 'lab';
}

export type AuthOutcome = { identity: Identity } | { status: 401 | 403; reason: string };

/** What an authenticator may read of a request: headers only (bodies are never trusted for identity). */
export interface RequestHeaders {
  get(name: string): string | null | undefined;
  /** The peer's address, as the socket says (never a header): what sign-in attempts are counted by. */
  address?: string;
}

export interface Authenticator {
  readonly kind: Identity['via'];
  identify(headers: RequestHeaders): Promise<AuthOutcome>;
}

/** Viewers: exact addresses or `@domain` entries; no list means anyone the authenticator admits. */
export function mayView(viewers: string[] | undefined, email: string): boolean {
  return !viewers || viewers.length === 0 || onAddressList(viewers, email);
}

export { iapDefaults } from '../../config/iap-defaults';
