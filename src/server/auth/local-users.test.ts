import { hashPassword, LocalUsersAuthenticator, sessionCookie } from './local-users';

const headers = (values: Record<string, string>) => ({ get: (name: string) => values[name.toLowerCase()] });

describe('lab users', () => {
  let auth: LocalUsersAuthenticator;
  beforeAll(async () => {
    auth = new LocalUsersAuthenticator([{ email: 'SecOps@acme.example', passwordHash: await hashPassword('correct horse battery') }], 'x'.repeat(32));
  });

  it('signs in with the right password only, whatever the case of the address', async () => {
    expect(await auth.signIn('secops@ACME.example', 'correct horse battery')).toBe('secops@acme.example');
    expect(await auth.signIn('secops@acme.example', 'correct horse')).toBeUndefined();
    expect(await auth.signIn('nobody@acme.example', 'correct horse battery')).toBeUndefined();
  });

  it('identifies a session cookie it signed, until it expires', async () => {
    const now = Date.parse('2026-11-22T10:00:00Z');
    const cookie = auth.sessionFor('secops@acme.example', now).split(';')[0]!;
    expect(auth.sessionFor('secops@acme.example', now)).toMatch(/HttpOnly; SameSite=Strict/);
    expect(await auth.identify(headers({ cookie: `other=1; ${cookie}` }), now + 1000)).toEqual({ identity: { email: 'secops@acme.example', via: 'lab' } });
    expect(await auth.identify(headers({ cookie }), now + 13 * 3600_000)).toMatchObject({ status: 401 });
  });

  it('refuses a cookie whose name or signature was changed', async () => {
    const value = auth.sessionFor('secops@acme.example').split(';')[0]!.slice(sessionCookie.length + 1);
    const [body, signature] = value.split('.');
    const forged = Buffer.from(`lead@acme.example|${Date.now() + 3600_000}`).toString('base64url');
    expect(await auth.identify(headers({ cookie: `${sessionCookie}=${forged}.${signature}` }))).toMatchObject({ status: 401 });
    expect(await auth.identify(headers({ cookie: `${sessionCookie}=${body}.${signature!.slice(0, -2)}AA` }))).toMatchObject({ status: 401 });
    expect(await auth.identify(headers({ cookie: `${sessionCookie}=${body}` }))).toMatchObject({ status: 401 });
    const otherSecret = new LocalUsersAuthenticator([{ email: 'secops@acme.example', passwordHash: 'scrypt:AA:AA' }], 'y'.repeat(32));
    expect(await otherSecret.identify(headers({ cookie: `${sessionCookie}=${value}` }))).toMatchObject({ status: 401 });
  });

  it('accepts HTTP Basic for scripts, and says what is missing otherwise', async () => {
    const basic = (user: string, password: string) => headers({ authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` });
    expect(await auth.identify(basic('secops@acme.example', 'correct horse battery'))).toEqual({ identity: { email: 'secops@acme.example', via: 'lab' } });
    expect(await auth.identify(basic('secops@acme.example', 'wrong'))).toEqual({ status: 401, reason: 'unknown user or wrong password' });
    expect(await auth.identify(headers({}))).toEqual({ status: 401, reason: 'sign in first' });
  });
});
