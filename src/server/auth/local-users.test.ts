import { hashPassword, LocalUsersAuthenticator, MemorySessions, sessionCookie } from './local-users';
import { SignInGuard, defaultSignInLimits } from './sign-in-guard';

const headers = (values: Record<string, string>, address?: string) => ({ get: (name: string) => values[name.toLowerCase()], ...(address ? { address } : {}) });
const cookieOf = (setCookie: string) => setCookie.split(';')[0]!;

describe('lab users', () => {
  let auth: LocalUsersAuthenticator;
  let passwordHash: string;
  beforeAll(async () => {
    passwordHash = await hashPassword('correct horse battery');
  });
  beforeEach(() => {
    auth = new LocalUsersAuthenticator([{ email: 'SecOps@acme.example', passwordHash }], { sessionSecret: 'x'.repeat(32) });
  });

  it('signs in with the right password only, whatever the case of the address', async () => {
    expect(await auth.signIn('secops@ACME.example', 'correct horse battery')).toEqual({ email: 'secops@acme.example' });
    expect(await auth.signIn('secops@acme.example', 'correct horse')).toEqual({ refused: 'unknown user or wrong password' });
    expect(await auth.signIn('nobody@acme.example', 'correct horse battery')).toEqual({ refused: 'unknown user or wrong password' });
  });

  it('identifies a session it started, until it expires or is ended, wherever the cookie was copied', async () => {
    const now = Date.parse('2026-11-22T10:00:00Z');
    const setCookie = await auth.startSession('secops@acme.example', now);
    expect(setCookie.split('; ').slice(1).sort()).toEqual(['HttpOnly', 'Max-Age=43200', 'Path=/', 'SameSite=Strict']);
    const cookie = cookieOf(setCookie);
    expect(await auth.identify(headers({ cookie: `other=1; ${cookie}` }), now + 1000)).toEqual({ identity: { email: 'secops@acme.example', via: 'lab' } });
    expect(await auth.identify(headers({ cookie }), now + 13 * 3600_000)).toMatchObject({ status: 401 });

    const copied = cookieOf(await auth.startSession('secops@acme.example', now));
    await auth.endSession(copied);
    expect(await auth.identify(headers({ cookie: copied }), now + 1000)).toEqual({ status: 401, reason: 'the session has ended or is not valid; sign in again' });
    expect(await auth.identify(headers({ cookie }), now + 1000)).toMatchObject({ identity: { email: 'secops@acme.example' } });
  });

  it('refuses a cookie whose ID or signature was changed, or that another secret signed', async () => {
    const sessions = new MemorySessions();
    auth = new LocalUsersAuthenticator([{ email: 'secops@acme.example', passwordHash }], { sessionSecret: 'x'.repeat(32), sessions });
    const value = cookieOf(await auth.startSession('secops@acme.example')).slice(sessionCookie.length + 1);
    const [id, signature] = value.split('.');
    expect(await auth.identify(headers({ cookie: `${sessionCookie}=${id!.slice(0, -2)}AA.${signature}` }))).toMatchObject({ status: 401 });
    expect(await auth.identify(headers({ cookie: `${sessionCookie}=${id}.${signature!.slice(0, -2)}AA` }))).toMatchObject({ status: 401 });
    expect(await auth.identify(headers({ cookie: `${sessionCookie}=${id}` }))).toMatchObject({ status: 401 });
    const otherSecret = new LocalUsersAuthenticator([{ email: 'secops@acme.example', passwordHash }], { sessionSecret: 'y'.repeat(32), sessions });
    expect(await otherSecret.identify(headers({ cookie: `${sessionCookie}=${value}` }))).toMatchObject({ status: 401 });
    // Broken escapes and empty values are refused, never thrown at the caller.
    for (const cookie of [`${sessionCookie}=%E0%A4%A.${signature}`, `${sessionCookie}=`, `${sessionCookie}=.`, `${sessionCookie}=${'%'.repeat(100)}`]) {
      expect(await auth.identify(headers({ cookie }))).toMatchObject({ status: 401 });
    }
  });

  it('accepts HTTP Basic for scripts, and says what is missing otherwise', async () => {
    const basic = (user: string, password: string) => headers({ authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` });
    expect(await auth.identify(basic('secops@acme.example', 'correct horse battery'))).toEqual({ identity: { email: 'secops@acme.example', via: 'lab' } });
    expect(await auth.identify(basic('secops@acme.example', 'wrong'))).toEqual({ status: 401, reason: 'unknown user or wrong password' });
    expect(await auth.identify(headers({}))).toEqual({ status: 401, reason: 'sign in first' });
    for (const authorization of ['Basic', 'Basic !!!', 'Basic bm9jb2xvbg==', 'Bearer abc']) {
      expect(await auth.identify(headers({ authorization }))).toEqual({ status: 401, reason: 'sign in first' });
    }
  });

  it('guessing a user slows down, then locks, and the right password waits too; another user from another address is not held up', async () => {
    const now = Date.parse('2026-11-22T10:00:00Z');
    for (let i = 0; i < defaultSignInLimits.freeFailures; i++) expect(await auth.signIn('secops@acme.example', `guess ${i}`, '203.0.113.9', now)).toMatchObject({ refused: expect.any(String) });
    expect(await auth.signIn('secops@acme.example', 'guess 3', '203.0.113.9', now)).toMatchObject({ refused: expect.any(String) });
    // Spelled otherwise, from another address: the same user.
    expect(await auth.signIn(' SECOPS@acme.example', 'correct horse battery', '198.51.100.7', now + 100)).toEqual({ waitSeconds: 1, reason: 'too many failed sign-ins: try again in 1 s' });
    let at = now;
    for (let i = 4; i < defaultSignInLimits.lockAfter; i++) {
      at += 61_000;
      expect(await auth.signIn('secops@acme.example', `guess ${i}`, undefined, at)).toMatchObject({ refused: expect.any(String) });
    }
    expect(await auth.signIn('secops@acme.example', 'correct horse battery', undefined, at + 61_000)).toMatchObject({ waitSeconds: expect.any(Number) });
    expect(await auth.signIn('secops@acme.example', 'correct horse battery', undefined, at + defaultSignInLimits.lockMs + 1)).toEqual({ email: 'secops@acme.example' });
    // One user's failures do not hold up the others at the same address.
    auth = new LocalUsersAuthenticator([{ email: 'secops@acme.example', passwordHash }, { email: 'lead@acme.example', passwordHash }]);
    for (let i = 0; i < defaultSignInLimits.freeFailures; i++) await auth.signIn('secops@acme.example', `guess ${i}`, '203.0.113.9', now);
    expect(await auth.signIn('lead@acme.example', 'correct horse battery', '203.0.113.9', now + 100)).toEqual({ email: 'lead@acme.example' });
  });

  it('an address that sprays guesses over many users waits, for every user', async () => {
    const now = Date.parse('2026-11-22T10:00:00Z');
    const free = defaultSignInLimits.freeFailures * defaultSignInLimits.addressScale;
    for (let i = 0; i <= free; i++) expect(await auth.signIn(`user${i}@acme.example`, 'guess', '203.0.113.9', now)).toMatchObject({ refused: expect.any(String) });
    expect(await auth.signIn('secops@acme.example', 'correct horse battery', '203.0.113.9', now + 100)).toMatchObject({ waitSeconds: expect.any(Number) });
    expect(await auth.signIn('secops@acme.example', 'correct horse battery', '198.51.100.7', now + 100)).toEqual({ email: 'secops@acme.example' });
  });
});

describe('sign-in guard', () => {
  it('runs at most the allowed hashes at once, queues a few, and answers busy beyond that', async () => {
    const guard = new SignInGuard({ ...defaultSignInLimits, concurrentHashes: 2, queuedHashes: 1 });
    let running = 0;
    let most = 0;
    const release: (() => void)[] = [];
    const hash = () =>
      guard.hashing(async () => {
        most = Math.max(most, ++running);
        await new Promise<void>((resolve) => release.push(resolve));
        running--;
        return true;
      });
    const calls = [hash(), hash(), hash()];
    expect(await hash()).toBe('busy');
    while (release.length > 0 || running > 0) {
      release.shift()?.();
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(await Promise.all(calls)).toEqual([true, true, true]);
    expect(most).toBe(2);
  });

  it('forgets the oldest keys beyond its bound', () => {
    const guard = new SignInGuard({ ...defaultSignInLimits, freeFailures: 0, maxKeys: 2 });
    guard.failed(['a'], 0);
    guard.failed(['b'], 0);
    guard.failed(['c'], 0);
    expect([guard.waitSeconds(['a'], 1), guard.waitSeconds(['b'], 1) > 0, guard.waitSeconds(['c'], 1) > 0]).toEqual([0, true, true]);
  });
});
