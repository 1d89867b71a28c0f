import { createLocalJWKSet, exportJWK, generateKeyPair, SignJWT } from 'jose';
import { SignedHeaderAuthenticator } from '../../src/server/auth/signed-header';
import { startConsoleServer, type ConsoleServer } from '../../src/server/console-server';
import { approvers, startCaseRig, type CaseRig } from '../case-rig';
import { cliOnRig } from '../cli-harness';

/**
 * The CLI in production decides as the user's own Google identity: it presents the user's ID
 * token to the console, which verifies it (OIDC here, with the provider's keys held locally)
 * and signs the decision for that address. A token for another audience is refused.
 */

let rig: CaseRig;
let harness: Awaited<ReturnType<typeof cliOnRig>>;
let console: ConsoleServer;
let sign: (claims: Record<string, unknown>, audience?: string) => Promise<string>;

beforeAll(async () => {
  rig = await startCaseRig();
  await rig.startWorker();
  harness = await cliOnRig(rig);
  const { privateKey, publicKey } = await generateKeyPair('ES256');
  const jwk = { ...(await exportJWK(publicKey)), kid: 'idp-key', alg: 'ES256' };
  const settings = { kind: 'oidc' as const, header: 'authorization', issuer: 'https://accounts.google.com', audience: 'scc-console', jwksUrl: 'https://www.googleapis.com/oauth2/v3/certs' };
  sign = (claims, audience = settings.audience) => new SignJWT(claims).setProtectedHeader({ alg: 'ES256', kid: 'idp-key' }).setIssuer(settings.issuer).setAudience(audience).setIssuedAt().setExpirationTime('5m').sign(privateKey);
  console = await startConsoleServer({
    host: '127.0.0.1',
    port: 0,
    store: rig.store,
    client: rig.env.client,
    policy: rig.policy,
    authenticator: new SignedHeaderAuthenticator(settings, createLocalJWKSet({ keys: [jwk] })),
    authority: rig.authority,
    temporal: { taskQueue: rig.taskQueue, workflowIdPrefix: rig.workflowIdPrefix },
  });
}, 180_000);

afterAll(async () => {
  delete process.env.SCC_ID_TOKEN;
  await console?.close();
  await harness?.stop();
  await rig?.stop();
}, 180_000);

test('approve with the user\'s ID token: the console verifies it and signs the decision for that address', async () => {
  const { workflowId, runId, caseId } = await rig.ingest(rig.finding('Malicious Script Executed', 'gke'));
  await rig.waitForStatus(workflowId, runId, 'awaiting-decision');

  process.env.SCC_ID_TOKEN = await sign({ email: approvers.lead, email_verified: true }, 'another-service');
  const wrongAudience = await harness.cli('approve', caseId, '--console', console.url);
  expect(wrongAudience).toMatchObject({ code: 1, stderr: expect.stringMatching(/the console refused your Google identity: the ID token does not verify/) });

  process.env.SCC_ID_TOKEN = await sign({ email: ' Lead@ACME.example', email_verified: true });
  const approved = await harness.cli('approve', caseId, '--console', console.url, '--reason', 'confirmed from the terminal');
  expect(approved).toMatchObject({ code: 0, stdout: expect.stringMatching(/approved: containment starts now/) });
  const closed = await rig.env.client.workflow.getHandle(workflowId, runId).result();
  expect(closed).toMatchObject({ outcome: 'contained', decisions: [{ approver: approvers.lead, authenticatedVia: 'oidc', reason: 'confirmed from the terminal', signed: { keyId: rig.authority.key.id } }] });
}, 120_000);
