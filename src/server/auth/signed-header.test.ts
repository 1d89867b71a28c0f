import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey } from 'jose';
import { iapDefaults } from './identity';
import { SignedHeaderAuthenticator } from './signed-header';

/** IAP's assertion, verified against keys served over real HTTP the way gstatic serves them. */
describe('signed identity headers', () => {
  const audience = '/projects/418273640192/global/backendServices/7315627348129';
  let server: Server;
  let jwksUrl: string;
  let key: CryptoKey;
  let stranger: CryptoKey;
  let keyRequests = 0;

  beforeAll(async () => {
    const pair = await generateKeyPair('ES256');
    key = pair.privateKey;
    stranger = (await generateKeyPair('ES256')).privateKey;
    const jwk = { ...(await exportJWK(pair.publicKey)), kid: 'iap-1', alg: 'ES256' };
    server = createServer((_request, response) => {
      keyRequests++;
      response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [jwk] }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    jwksUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/iap/verify/public_key-jwk`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const iap = () => new SignedHeaderAuthenticator({ kind: 'iap', header: iapDefaults.header, issuer: iapDefaults.issuer, audience, jwksUrl });
  const assertion = (claims: Record<string, unknown>, options: { signer?: CryptoKey; kid?: string; issuer?: string; audience?: string; expires?: string | number } = {}) =>
    new SignJWT(claims)
      .setProtectedHeader({ alg: 'ES256', kid: options.kid ?? 'iap-1' })
      .setIssuer(options.issuer ?? iapDefaults.issuer)
      .setAudience(options.audience ?? audience)
      .setIssuedAt()
      .setExpirationTime(options.expires ?? '10m')
      .sign(options.signer ?? key);
  const headers = (token: string, name: string = iapDefaults.header) => ({ get: (header: string) => (header.toLowerCase() === name ? token : undefined) });

  it('names the user in a valid IAP assertion', async () => {
    const token = await assertion({ email: 'SecOps@acme.example', sub: 'accounts.google.com:1234' });
    expect(await iap().identify(headers(token))).toEqual({ identity: { email: 'secops@acme.example', via: 'iap' } });
    expect(keyRequests).toBeGreaterThan(0);
  });

  it.each([
    ['another audience', () => ({ audience: '/projects/1/global/backendServices/2' })],
    ['another issuer', () => ({ issuer: 'https://accounts.google.com' })],
    ['an expired assertion', () => ({ expires: Math.floor(Date.now() / 1000) - 3600 })],
    ['a key IAP does not publish', () => ({ signer: stranger })],
  ])('refuses %s with 401', async (_label, options) => {
    const token = await assertion({ email: 'secops@acme.example' }, options());
    const outcome = await iap().identify(headers(token));
    expect(outcome).toMatchObject({ status: 401 });
    expect((outcome as { reason: string }).reason).toMatch(/^the IAP assertion does not verify \(ERR_/);
  });

  it('refuses an unsigned token, a missing header and a token without an address', async () => {
    const [header, payload] = (await assertion({ email: 'secops@acme.example' })).split('.');
    const unsigned = `${Buffer.from(JSON.stringify({ alg: 'none' })).toString('base64url')}.${payload}.`;
    expect(await iap().identify(headers(unsigned))).toMatchObject({ status: 401 });
    expect(await iap().identify(headers(`${header}.${payload}.`))).toMatchObject({ status: 401 });
    expect(await iap().identify({ get: () => undefined })).toEqual({ status: 401, reason: `no ${iapDefaults.header} header` });
    expect(await iap().identify(headers(await assertion({ sub: 'service' })))).toEqual({ status: 403, reason: 'the token names no e-mail address' });
  });

  it('reads an OIDC ID token from the Authorization bearer, and refuses unverified addresses', async () => {
    const oidc = new SignedHeaderAuthenticator({ kind: 'oidc', header: 'authorization', issuer: 'https://idp.acme.example', audience: 'scc-console', jwksUrl });
    const token = await assertion({ email: 'lead@acme.example', email_verified: true }, { issuer: 'https://idp.acme.example', audience: 'scc-console' });
    expect(await oidc.identify(headers(`Bearer ${token}`, 'authorization'))).toEqual({ identity: { email: 'lead@acme.example', via: 'oidc' } });
    expect(await oidc.identify(headers(token, 'authorization'))).toEqual({ status: 401, reason: 'no bearer token header' });
    const unverified = await assertion({ email: 'lead@acme.example', email_verified: false }, { issuer: 'https://idp.acme.example', audience: 'scc-console' });
    expect(await oidc.identify(headers(`Bearer ${unverified}`, 'authorization'))).toEqual({ status: 403, reason: 'lead@acme.example is not a verified address' });
  });
});
