import { ConfigError, loadConfig } from './config';

/** The console's settings from the environment, as docker-compose passes them. */
describe('server configuration', () => {
  const hash = 'scrypt:c2FsdHNhbHRzYWx0c2FsdA:aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g';
  const base = { SCC_DATA_DIR: '/nonexistent-scc-data' };

  it('reads lab users as email=hash pairs', () => {
    const config = loadConfig({ ...base, SCC_SERVER_ADDRESS: '0.0.0.0:8090', SCC_CONSOLE_USERS: `secops@acme.example=${hash}, lead@acme.example=${hash}`, SCC_CONSOLE_SESSION_SECRET: 's'.repeat(32) });
    expect(config.server).toEqual({
      address: '0.0.0.0:8090',
      secureCookies: false,
      auth: { mode: 'lab', users: [{ email: 'secops@acme.example', passwordHash: hash }, { email: 'lead@acme.example', passwordHash: hash }], sessionSecret: 's'.repeat(32) },
    });
  });

  it('takes an IAP audience and fills in where IAP publishes its keys', () => {
    const config = loadConfig({ ...base, SCC_IAP_AUDIENCE: '/projects/418273640192/global/backendServices/7315627348129' });
    expect(config.server).toMatchObject({ address: '127.0.0.1:8090', auth: { mode: 'iap', issuer: 'https://cloud.google.com/iap', jwksUrl: 'https://www.gstatic.com/iap/verify/public_key-jwk' } });
  });

  it.each([
    [{ SCC_IAP_AUDIENCE: 'my-app' }, /server\.auth\.audience: an IAP audience/],
    [{ SCC_CONSOLE_USERS: 'secops@acme.example=plaintext' }, /server\.auth\.users\.0\.passwordHash: a hash from `scc-responder console-password`/],
    [{ SCC_SERVER_ADDRESS: '0.0.0.0:8090' }, /at server\.auth/],
  ])('refuses %p with an error naming the field', (env, message) => {
    expect(() => loadConfig({ ...base, ...env })).toThrow(ConfigError);
    expect(() => loadConfig({ ...base, ...env })).toThrow(message);
  });
});

describe('cluster access', () => {
  const base = { SCC_DATA_DIR: '/nonexistent-scc-data' };

  it('takes the worker’s own cluster from SCC_OWN_CLUSTER, as the GKE API names it', () => {
    const config = loadConfig({ ...base, SCC_OWN_CLUSTER: 'projects/acme-security/locations/us-central1/clusters/security-tools' });
    expect(config.cloud).toEqual({ mode: 'google', clusters: { ownCluster: { project: 'acme-security', location: 'us-central1', name: 'security-tools' } } });
  });

  it('refuses an own cluster that is not a cluster name, and an unknown endpoint kind', () => {
    expect(() => loadConfig({ ...base, SCC_OWN_CLUSTER: 'security-tools' })).toThrow(/cloud\.clusters\.ownCluster: a cluster name projects\/PROJECT\/locations\/LOCATION\/clusters\/CLUSTER/);
    expect(() => loadConfig(base, { cloud: { mode: 'google', clusters: { endpoint: 'internal' } } })).toThrow(/cloud\.clusters\.endpoint/);
  });
});

describe('worker configuration', () => {
  const base = { SCC_DATA_DIR: '/nonexistent-scc-data' };

  it('takes the workflow cache size from SCC_MAX_CACHED_WORKFLOWS, leaves it to the SDK without, and refuses what is not a count', () => {
    expect(loadConfig({ ...base, SCC_MAX_CACHED_WORKFLOWS: '500' }).maxCachedWorkflows).toBe(500);
    expect(loadConfig(base).maxCachedWorkflows).toBeUndefined();
    expect(() => loadConfig({ ...base, SCC_MAX_CACHED_WORKFLOWS: 'lots' })).toThrow(/maxCachedWorkflows/);
    expect(() => loadConfig({ ...base, SCC_MAX_CACHED_WORKFLOWS: '-1' })).toThrow(/maxCachedWorkflows/);
  });
});
