import { createHmac, randomBytes, scrypt as scryptCallback, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';
import { normalEmail, type Authenticator, type AuthOutcome, type RequestHeaders } from './identity';

/**
 * The lab's identity: local users with scrypt password hashes, and a session cookie signed with
 * HMAC-SHA256 after they sign in. Scripts may send HTTP Basic instead of the cookie.
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

function cookieValue(header: string | null | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const [key, ...rest] = part.trim().split('=');
    if (key === name) return rest.join('=');
  }
  return undefined;
}

export class LocalUsersAuthenticator implements Authenticator {
  readonly kind = 'lab';
  private readonly users: Map<string, string>;
  private readonly secret: Buffer;

  constructor(users: LocalUser[], sessionSecret?: string) {
    this.users = new Map(users.map((u) => [normalEmail(u.email) ?? u.email, u.passwordHash]));
    // Without a configured secret, sessions last as long as this process: a restart signs everyone out.
    this.secret = sessionSecret ? Buffer.from(sessionSecret) : randomBytes(32);
  }

  /** The user, if the password is right; the same answer (and about the same time) for an unknown user. */
  async signIn(emailInput: string, password: string): Promise<string | undefined> {
    const email = normalEmail(emailInput);
    const stored = (email && this.users.get(email)) || 'scrypt:AAAAAAAAAAAAAAAAAAAAAA:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';
    const matches = await passwordMatches(password, stored);
    return matches && email && this.users.has(email) ? email : undefined;
  }

  /** A `Set-Cookie` value for a signed-in user: HttpOnly, SameSite=Strict, 12 hours. */
  sessionFor(email: string, now = Date.now(), secure = false): string {
    const expires = now + sessionHours * 3600_000;
    const body = Buffer.from(`${email}|${expires}`).toString('base64url');
    const signature = createHmac('sha256', this.secret).update(body).digest('base64url');
    return `${sessionCookie}=${body}.${signature}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${sessionHours * 3600}${secure ? '; Secure' : ''}`;
  }

  static clearedSession(): string {
    return `${sessionCookie}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0`;
  }

  private sessionEmail(value: string, now: number): string | undefined {
    const [body, signature] = value.split('.');
    if (!body || !signature) return undefined;
    const expected = createHmac('sha256', this.secret).update(body).digest();
    const given = Buffer.from(signature, 'base64url');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
    const [email, expires] = Buffer.from(body, 'base64url').toString('utf8').split('|');
    if (!email || !expires || Number(expires) < now || !this.users.has(email)) return undefined;
    return email;
  }

  async identify(headers: RequestHeaders, now = Date.now()): Promise<AuthOutcome> {
    const session = cookieValue(headers.get('cookie'), sessionCookie);
    if (session) {
      const email = this.sessionEmail(session, now);
      return email ? { identity: { email, via: 'lab' } } : { status: 401, reason: 'the session has expired or is not valid; sign in again' };
    }
    const basic = /^Basic\s+(\S+)$/i.exec(headers.get('authorization') ?? '');
    if (basic) {
      const [user, ...rest] = Buffer.from(basic[1]!, 'base64').toString('utf8').split(':');
      const email = await this.signIn(user ?? '', rest.join(':'));
      return email ? { identity: { email, via: 'lab' } } : { status: 401, reason: 'unknown user or wrong password' };
    }
    return { status: 401, reason: 'sign in first' };
  }
}
