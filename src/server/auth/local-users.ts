import { createHash, randomBytes, scrypt as scryptCallback, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';
import { auth as basicAuth } from 'hono/utils/basic-auth';
import { parseSigned, serialize, serializeSigned, type CookieOptions } from 'hono/utils/cookie';
import { normalEmail, type Authenticator, type AuthOutcome, type RequestHeaders } from './identity';
import { SignInGuard } from './sign-in-guard';

/**
 * The lab's identity: local users with scrypt password hashes, and after they sign in a session
 * recorded server-side, whose random ID the cookie carries (signed with HMAC-SHA256 by hono's
 * signed cookies). Signing out or expiry ends the record, so a copied cookie ends with it. Scripts
 * may send HTTP Basic instead (read by hono's helper).
 */

const scrypt = promisify(scryptCallback) as (password: string, salt: Buffer, length: number) => Promise<Buffer>;

export const sessionCookie = 'scc_session';
const sessionHours = 12;

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const hash = await scrypt(password, salt, 32);
  return `scrypt:${salt.toString('base64url')}:${hash.toString('base64url')}`;
}

async function passwordMatches(password: string, stored: string): Promise<boolean> {
  const [scheme, salt, hash] = stored.split(':');
  if (scheme !== 'scrypt' || !salt || !hash) return false;
  const expected = Buffer.from(hash, 'base64url');
  const actual = await scrypt(password, Buffer.from(salt, 'base64url'), expected.length);
  return expected.length > 0 && timingSafeEqual(actual, expected);
}

export interface LocalUser {
  email: string;
  passwordHash: string;
}

const cookieOptions: CookieOptions = { path: '/', httpOnly: true, sameSite: 'Strict' };

/** Where sessions are kept: the case store in a deployment; memory for a console of its own. Keyed by the hash of the session ID. */
export interface SessionRecords {
  createSession(idSha256: string, email: string, createdAt: Date, expiresAt: Date): Promise<void>;
  sessionEmail(idSha256: string, now: Date): Promise<string | undefined>;
  endSession(idSha256: string): Promise<void>;
}

export class MemorySessions implements SessionRecords {
  private readonly sessions = new Map<string, { email: string; expiresAt: number }>();

  async createSession(idSha256: string, email: string, createdAt: Date, expiresAt: Date): Promise<void> {
    for (const [id, session] of this.sessions) if (session.expiresAt < createdAt.getTime()) this.sessions.delete(id);
    this.sessions.set(idSha256, { email, expiresAt: expiresAt.getTime() });
  }

  async sessionEmail(idSha256: string, now: Date): Promise<string | undefined> {
    const session = this.sessions.get(idSha256);
    return session && session.expiresAt > now.getTime() ? session.email : undefined;
  }

  async endSession(idSha256: string): Promise<void> {
    this.sessions.delete(idSha256);
  }
}

export type SignInResult = { email: string } | { refused: string } | { waitSeconds: number; reason: string };

export interface LocalUsersOptions {
  sessions?: SessionRecords;
  /** Signs session IDs, so that a forged cookie is refused before the store is asked. */
  sessionSecret?: string;
  guard?: SignInGuard;
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

export class LocalUsersAuthenticator implements Authenticator {
  readonly kind = 'lab';
  private readonly users: Map<string, string>;
  private readonly secret: Buffer;
  private readonly sessions: SessionRecords;
  readonly guard: SignInGuard;

  constructor(users: LocalUser[], options: LocalUsersOptions = {}) {
    this.users = new Map(users.map((u) => [normalEmail(u.email) ?? u.email, u.passwordHash]));
    this.secret = options.sessionSecret ? Buffer.from(options.sessionSecret) : randomBytes(32);
    this.sessions = options.sessions ?? new MemorySessions();
    this.guard = options.guard ?? new SignInGuard();
  }

  /**
   * The user, if the password is right; the same answer (and about the same time) for an unknown
   * user. A user or an address that failed too often waits first, and no hash is computed for it.
   */
  async signIn(emailInput: string, password: string, address?: string, now = Date.now()): Promise<SignInResult> {
    const email = normalEmail(emailInput);
    const keys = [`user:${email ?? String(emailInput).trim().toLowerCase().slice(0, 320)}`, ...(address ? [`address:${address}`] : [])];
    const wait = this.guard.waitSeconds(keys, now);
    if (wait > 0) return { waitSeconds: wait, reason: `too many failed sign-ins: try again in ${wait} s` };
    const stored = (email && this.users.get(email)) || 'scrypt:AAAAAAAAAAAAAAAAAAAAAA:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';
    const matches = await this.guard.hashing(() => passwordMatches(password, stored));
    if (matches === 'busy') return { waitSeconds: 1, reason: 'too many sign-ins at once: try again in a moment' };
    if (matches && email && this.users.has(email)) {
      this.guard.succeeded(keys);
      return { email };
    }
    this.guard.failed(keys, now);
    return { refused: 'unknown user or wrong password' };
  }

  /** A new session, recorded server-side, and the `Set-Cookie` that carries its ID: HttpOnly, SameSite=Strict, 12 hours. */
  async startSession(email: string, now = Date.now(), secure = false): Promise<string> {
    const id = randomBytes(32).toString('base64url');
    await this.sessions.createSession(sha256(id), email, new Date(now), new Date(now + sessionHours * 3600_000));
    return serializeSigned(sessionCookie, id, this.secret, { ...cookieOptions, maxAge: sessionHours * 3600, ...(secure ? { secure: true } : {}) });
  }

  /** Ends the session a cookie header carries, if any: the cookie answers nothing afterwards, wherever it was copied. */
  async endSession(cookieHeader: string | null | undefined): Promise<void> {
    const id = await this.sessionId(cookieHeader);
    if (id) await this.sessions.endSession(sha256(id));
  }

  static clearedSession(): string {
    return serialize(sessionCookie, '', { ...cookieOptions, maxAge: 0 });
  }

  /** The session ID a cookie header carries, if its signature holds; whether one was sent at all. */
  private async sessionId(cookieHeader: string | null | undefined): Promise<string | undefined> {
    if (!cookieHeader) return undefined;
    const value = await parseSigned(cookieHeader, this.secret, sessionCookie).then((cookies) => cookies[sessionCookie], () => undefined);
    return typeof value === 'string' && value ? value : undefined;
  }

  private static carriesSession(cookieHeader: string | null | undefined): boolean {
    return (cookieHeader ?? '').split(';').some((part) => part.trim().startsWith(`${sessionCookie}=`));
  }

  async identify(headers: RequestHeaders, now = Date.now()): Promise<AuthOutcome> {
    const cookies = headers.get('cookie');
    if (LocalUsersAuthenticator.carriesSession(cookies)) {
      const id = await this.sessionId(cookies);
      const email = id ? await this.sessions.sessionEmail(sha256(id), new Date(now)) : undefined;
      return email && this.users.has(email) ? { identity: { email, via: 'lab' } } : { status: 401, reason: 'the session has ended or is not valid; sign in again' };
    }
    const authorization = headers.get('authorization');
    const basic = authorization ? basicAuth(new Request('http://console.invalid/', { headers: { authorization } })) : undefined;
    if (basic) {
      const result = await this.signIn(basic.username, basic.password, headers.address, now);
      if ('email' in result) return { identity: { email: result.email, via: 'lab' } };
      return { status: 401, reason: 'refused' in result ? result.refused : result.reason };
    }
    return { status: 401, reason: 'sign in first' };
  }
}
