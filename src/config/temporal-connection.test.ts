import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { connect as tcpConnect, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer as createTlsServer, type Server } from 'node:tls';
import { sharedEnvKeys } from '../../test/temporal/shared-env';
import { connectClient, connectWorker } from '../worker/runtime';
import { ConfigError, loadConfig } from './config';
import { temporalConnectOptions } from './temporal-connection';

/**
 * The connection to Temporal is read the way the `temporal` CLI reads it: a temporal.toml profile,
 * then the TEMPORAL_* variables, with the project's file in between. The mTLS case connects, for
 * real, through a TLS front that refuses any client without a certificate its CA issued.
 */

const dir = mkdtempSync(join(tmpdir(), 'scc-temporal-config-'));
const noFile = { SCC_DATA_DIR: dir, TEMPORAL_CONFIG_FILE: join(dir, 'absent.toml') };

function toml(text: string): string {
  const path = join(dir, `temporal-${Math.random().toString(36).slice(2)}.toml`);
  writeFileSync(path, text);
  return path;
}

function configFile(body: object): string {
  const path = join(dir, `config-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(path, JSON.stringify(body));
  return path;
}

const profiles = `
[profile.default]
address = "10.0.0.1:7233"

[profile.cloud]
address = "acme.a1b2c.tmprl.cloud:7233"
namespace = "acme.a1b2c"
api_key = "from-the-profile"
`;

test('TEMPORAL_PROFILE picks a temporal.toml profile from TEMPORAL_CONFIG_FILE, as the temporal CLI does', () => {
  const file = toml(profiles);
  expect(loadConfig({ SCC_DATA_DIR: dir, TEMPORAL_CONFIG_FILE: file }).temporal).toMatchObject({ address: '10.0.0.1:7233', namespace: 'default' });
  const cloud = loadConfig({ SCC_DATA_DIR: dir, TEMPORAL_CONFIG_FILE: file, TEMPORAL_PROFILE: 'cloud' }).temporal;
  expect(cloud).toMatchObject({ address: 'acme.a1b2c.tmprl.cloud:7233', namespace: 'acme.a1b2c', apiKey: 'from-the-profile' });
  // An API key turns TLS on, with the system's roots.
  expect(temporalConnectOptions(cloud)).toEqual({ address: 'acme.a1b2c.tmprl.cloud:7233', apiKey: 'from-the-profile', tls: true });
});

test('the project file sits over the profile and under the TEMPORAL_* variables; the task queue stays the project’s', () => {
  const env = { SCC_DATA_DIR: dir, TEMPORAL_CONFIG_FILE: toml(profiles), TEMPORAL_PROFILE: 'cloud', SCC_CONFIG: configFile({ temporal: { namespace: 'from-the-file', taskQueue: 'scc-prod' } }) };
  expect(loadConfig(env).temporal).toMatchObject({ address: 'acme.a1b2c.tmprl.cloud:7233', namespace: 'from-the-file', apiKey: 'from-the-profile', taskQueue: 'scc-prod' });
  const overridden = loadConfig({ ...env, TEMPORAL_NAMESPACE: 'from-the-env', TEMPORAL_API_KEY: 'from-the-env', TEMPORAL_GRPC_META_X_ACME_TENANT: 'payments' }).temporal;
  expect(overridden).toMatchObject({ namespace: 'from-the-env', apiKey: 'from-the-env', grpcMeta: { 'x-acme-tenant': 'payments' } });
  expect(temporalConnectOptions(overridden).metadata).toEqual({ 'x-acme-tenant': 'payments' });
});

test('no profile and no variables: the local default', () => {
  expect(loadConfig(noFile).temporal).toMatchObject({ address: '127.0.0.1:7233', namespace: 'default' });
  expect(temporalConnectOptions(loadConfig(noFile).temporal)).toEqual({ address: '127.0.0.1:7233' });
});

test('the old TLS variable names are refused with the names that replace them', () => {
  expect(() => loadConfig({ ...noFile, TEMPORAL_TLS_CERT: '/etc/tls/tls.crt', TEMPORAL_TLS_KEY: '/etc/tls/tls.key' })).toThrow(
    new ConfigError("TEMPORAL_TLS_CERT, TEMPORAL_TLS_KEY are no longer read: Temporal's configuration names TEMPORAL_TLS_CLIENT_CERT_PATH, TEMPORAL_TLS_CLIENT_KEY_PATH"),
  );
});

test('a profile that is not there, a file that is not TOML, half a certificate pair, a bad tls section: each a clear error', () => {
  expect(() => loadConfig({ SCC_DATA_DIR: dir, TEMPORAL_CONFIG_FILE: toml(profiles), TEMPORAL_PROFILE: 'staging' })).toThrow(/cannot read Temporal's client configuration \(TEMPORAL_CONFIG_FILE=.*, profile staging\): Profile 'staging' not found/);
  expect(() => loadConfig({ SCC_DATA_DIR: dir, TEMPORAL_CONFIG_FILE: toml('[profile.default\naddress = 1') })).toThrow(/cannot read Temporal's client configuration/);
  expect(() => loadConfig({ ...noFile, TEMPORAL_TLS_CLIENT_CERT_PATH: '/etc/tls/tls.crt' })).toThrow(/needs both a client certificate and its key: only the certificate is set/);
  expect(() => loadConfig({ ...noFile, SCC_CONFIG: configFile({ temporal: { tls: { certPath: 7 } } }) })).toThrow(/temporal.tls in the configuration file: certPath: /);
});

describe('mTLS from TEMPORAL_TLS_* against a front that checks client certificates', () => {
  const certs = join(dir, 'certs');
  let front: Server;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    execFileSync('mkdir', ['-p', certs]);
    const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: certs, stdio: 'pipe' });
    openssl('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '1', '-subj', '/CN=scc test CA');
    for (const [name, ext] of [['server', 'subjectAltName=DNS:temporal.scc.test'], ['client', 'extendedKeyUsage=clientAuth']] as const) {
      openssl('req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${name}`);
      writeFileSync(join(certs, `${name}.ext`), `${ext}\n`);
      openssl('x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', `${name}.crt`, '-days', '1', '-extfile', `${name}.ext`);
    }
    const [host, port] = process.env[sharedEnvKeys.address]!.split(':') as [string, string];
    front = createTlsServer(
      { key: readFileSync(join(certs, 'server.key')), cert: readFileSync(join(certs, 'server.crt')), ca: readFileSync(join(certs, 'ca.crt')), requestCert: true, rejectUnauthorized: true, ALPNProtocols: ['h2'] },
      (socket) => {
        const upstream = tcpConnect(Number(port), host);
        socket.pipe(upstream).pipe(socket);
        const close = () => { socket.destroy(); upstream.destroy(); };
        socket.on('error', close);
        upstream.on('error', close);
      },
    );
    await new Promise<void>((resolve) => front.listen(0, '127.0.0.1', resolve));
    env = {
      ...noFile,
      TEMPORAL_ADDRESS: `127.0.0.1:${(front.address() as AddressInfo).port}`,
      TEMPORAL_TLS_CLIENT_CERT_PATH: join(certs, 'client.crt'),
      TEMPORAL_TLS_CLIENT_KEY_PATH: join(certs, 'client.key'),
      TEMPORAL_TLS_SERVER_CA_CERT_PATH: join(certs, 'ca.crt'),
      TEMPORAL_TLS_SERVER_NAME: 'temporal.scc.test',
    };
  });

  afterAll(() => new Promise<void>((resolve) => front.close(() => resolve())));

  test('the client and the worker connection both reach the server with the client certificate', async () => {
    const config = loadConfig(env);
    const client = await connectClient(config);
    try {
      expect((await client.connection.workflowService.getSystemInfo({})).serverVersion).toBeTruthy();
    } finally {
      await client.connection.close();
    }
    const worker = await connectWorker(config);
    try {
      expect((await worker.workflowService.getSystemInfo({})).serverVersion).toBeTruthy();
    } finally {
      await worker.close();
    }
  });

  test('inline certificate data (TEMPORAL_TLS_*_DATA) works the same', async () => {
    const { TEMPORAL_TLS_CLIENT_CERT_PATH: _c, TEMPORAL_TLS_CLIENT_KEY_PATH: _k, ...rest } = env;
    const config = loadConfig({ ...rest, TEMPORAL_TLS_CLIENT_CERT_DATA: readFileSync(join(certs, 'client.crt'), 'utf8'), TEMPORAL_TLS_CLIENT_KEY_DATA: readFileSync(join(certs, 'client.key'), 'utf8') });
    const client = await connectClient(config);
    try {
      expect((await client.connection.workflowService.getSystemInfo({})).serverVersion).toBeTruthy();
    } finally {
      await client.connection.close();
    }
  });

  test('without the client certificate the front refuses the connection', async () => {
    const { TEMPORAL_TLS_CLIENT_CERT_PATH: _c, TEMPORAL_TLS_CLIENT_KEY_PATH: _k, ...rest } = env;
    const config = loadConfig(rest);
    await expect((async () => {
      const client = await connectClient(config);
      try {
        await client.connection.workflowService.getSystemInfo({});
      } finally {
        await client.connection.close();
      }
    })()).rejects.toThrow();
  });
});
