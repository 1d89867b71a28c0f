import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { CaseStore } from '../cases/case-store';
import { startPasswordGate } from '../cases/password-gate';
import { EmbeddedDatabase } from '../cases/database';
import { stackFilePath, loadConfig, type Config } from '../config/config';
import { parseFinding } from '../findings/parse';
import { ingestFinding, type CaseIngested } from '../intake/ingest';
import { ResourceManagerAdapter } from '../cloud/resource-manager';
import { startReconciler } from '../worker/case-reconciler';
import { startLab } from '../lab/server';
import { authenticatorFor } from '../server/auth/from-config';
import { hashPassword } from '../server/auth/local-users';
import { startConsoleServer } from '../server/console-server';
import { consoleAuthority, keptAuthorityKey } from '../server/decision-authority';
import { createWorker } from '../worker/create-worker';
import { buildActivityDeps, connectClient, connectWorker, evidenceStoreFor } from '../worker/runtime';
import { startDevServer } from './temporal-dev-server';
import { resolveTemporalCli } from './temporal-cli';

/**
 * The embedded stack, the main job's default: a Temporal dev server with a persistent file, the
 * lab with its default scenario, the embedded case store (served on a loopback PostgreSQL port
 * for CLI commands in other terminals), and a worker. Everything lives in the data folder, so
 * stopping and starting again keeps the cases and their pending approvals.
 */
export interface StackOptions {
  dataDir: string;
  temporalPort: number;
  temporalUiPort: number;
  labPort: number;
  databasePort: number;
  /** The console and API (`scc-responder server`), with a lab user per approver. */
  consolePort: number;
  samplesDir: string;
  approvers: string[];
}

export const defaultStackOptions: StackOptions = {
  dataDir: '.data',
  temporalPort: 7233,
  temporalUiPort: 8233,
  labPort: 8787,
  databasePort: 5433,
  consolePort: 8090,
  samplesDir: resolve(__dirname, '../../samples/findings'),
  approvers: ['secops@acme.example', 'lead@acme.example'],
};

export interface RunningStack {
  config: Config;
  ingested: { file: string; result: CaseIngested }[];
  consoleUrl: string;
  /** The file holding each lab user's password (kept across restarts): `EMAIL PASSWORD` per line. */
  consoleUsersFile: string;
  stop(): Promise<void>;
}

/** A random secret made on the first start and kept in the data folder (mode 0600). */
function keptSecret(file: string): string {
  if (!existsSync(file)) writeFileSync(file, `${randomBytes(24).toString('base64url')}\n`, { mode: 0o600 });
  return readFileSync(file, 'utf8').trim();
}

/**
 * A generated password for each of the lab's console users, and the session secret, made on the
 * first start and kept in the data folder (`console-users`: `EMAIL PASSWORD` per line). One
 * password each, so that four-eyes in the lab takes two people who each know their own.
 */
function consoleLogins(dataDir: string, approvers: readonly string[]): { file: string; passwords: Map<string, string>; sessionSecret: string } {
  const file = join(dataDir, 'console-users');
  const kept = existsSync(file) ? readFileSync(file, 'utf8').split('\n').map((line) => line.trim().split(/\s+/)) : [];
  const sessionSecret = kept.find(([key]) => key === 'session-secret')?.[1] ?? randomBytes(32).toString('base64url');
  const passwords = new Map(kept.filter(([key, value]) => key !== 'session-secret' && key && value).map(([email, password]) => [email!, password!]));
  for (const email of approvers) if (!passwords.has(email)) passwords.set(email, randomBytes(15).toString('base64url'));
  writeFileSync(file, `session-secret ${sessionSecret}\n${[...passwords].map(([email, password]) => `${email} ${password}`).join('\n')}\n`, { mode: 0o600 });
  return { file, passwords, sessionSecret };
}

export async function startStack(options: StackOptions, log: (line: string) => void): Promise<RunningStack> {
  const dataDir = resolve(options.dataDir);
  mkdirSync(dataDir, { recursive: true });
  const stops: (() => Promise<unknown>)[] = [];
  const stop = async () => {
    for (const step of stops.reverse()) await step().catch((error: unknown) => log(`while stopping: ${String(error)}`));
  };
  try {
    log(`starting the Temporal dev server (${join(dataDir, 'temporal.db')})`);
    const temporal = await startDevServer({ cliPath: resolveTemporalCli(), dbFile: join(dataDir, 'temporal.db'), port: options.temporalPort, uiPort: options.temporalUiPort });
    stops.push(() => temporal.stop());

    const lab = await startLab({ port: options.labPort, dataDir: join(dataDir, 'lab') });
    stops.push(() => lab.stop());
    log(`lab serving on ${lab.url} (kubectl --kubeconfig ${lab.kubeconfigPath} get pods -A)`);

    const db = await EmbeddedDatabase.open(join(dataDir, 'cases'));
    stops.push(() => db.close());
    const store = new CaseStore(db);
    await store.migrate();
    // Other terminals reach the store over a port; a password of its own, kept in the data folder, opens it.
    const databasePassword = keptSecret(join(dataDir, 'case-store-password'));
    const gate = await startPasswordGate({ db: db.pglite, host: '127.0.0.1', port: options.databasePort, password: databasePassword });
    stops.push(() => gate.stop());

    const consoleUrl = `http://127.0.0.1:${options.consolePort}`;
    const consoleLogin = consoleLogins(dataDir, options.approvers);
    const users = await Promise.all(options.approvers.map(async (email) => ({ email, passwordHash: await hashPassword(consoleLogin.passwords.get(email)!) })));
    // The console signs decisions with a key of its own, kept in the data folder; the worker trusts its public half.
    const signingKey = keptAuthorityKey(join(dataDir, 'decision-signing-key.pem'));
    const stackConfig = {
      decisionAuthority: { keys: [{ publicKey: signingKey.publicPem }], signingKeyFile: signingKey.file },
      temporal: { address: temporal.address, namespace: 'default', taskQueue: 'scc-responder', workflowIdPrefix: 'scc-case', uiUrl: temporal.uiUrl },
      databaseUrl: `postgres://postgres:${databasePassword}@${gate.address}/postgres`,
      cloud: { mode: 'lab', url: lab.url, token: lab.token, kubeconfigPath: lab.kubeconfigPath, virusTotal: { apiKey: lab.virusTotalKey } },
      policy: { approvers: options.approvers },
      virusTotalPerMinute: 600,
      notifications: { consoleUrl },
      server: { address: `127.0.0.1:${options.consolePort}`, auth: { mode: 'lab', users, sessionSecret: consoleLogin.sessionSecret } },
    };
    writeFileSync(stackFilePath(dataDir), `${JSON.stringify(stackConfig, null, 2)}\n`, { mode: 0o600 });
    // The worker in this process uses the store directly; other processes use the socket.
    const config = loadConfig({ SCC_DATA_DIR: dataDir }, { databaseUrl: undefined });

    const deps = buildActivityDeps(config, store);
    stops.push(() => deps.clients.close());
    const connection = await connectWorker(config);
    stops.push(() => connection.close());
    log('starting the worker (bundling the workflows)');
    const worker = await createWorker({ connection, namespace: config.temporal.namespace, taskQueue: config.temporal.taskQueue, deps });
    const running = worker.run();
    stops.push(async () => {
      worker.shutdown();
      await running;
    });

    const client = await connectClient(config);
    stops.push(() => client.connection.close());
    if (config.reconcileIntervalMs > 0) {
      const reconciler = startReconciler({ ...deps, client }, config.reconcileIntervalMs, (line) => log(String(line.message)));
      stops.push(() => reconciler.stop());
    }
    const ingested: RunningStack['ingested'] = [];
    const resourceManager = new ResourceManagerAdapter(config.cloud);
    stops.push(() => resourceManager.close());
    for (const file of readdirSync(options.samplesDir).filter((name) => name.endsWith('.json')).sort()) {
      const parsed = parseFinding(readFileSync(join(options.samplesDir, file)));
      const result = await ingestFinding({ client, store, taskQueue: config.temporal.taskQueue, policy: config.policy, workflowIdPrefix: config.temporal.workflowIdPrefix, resolveProjectId: (n) => resourceManager.projectId(n), ...(config.scope ? { scope: config.scope } : {}) }, parsed);
      if (result.outOfScope === undefined) ingested.push({ file, result });
    }
    const server = await startConsoleServer({
      host: '127.0.0.1',
      port: options.consolePort,
      store,
      client,
      policy: config.policy,
      authenticator: authenticatorFor(config.server!.auth, store),
      ...consoleAuthority(config),
      evidence: evidenceStoreFor(config),
    });
    stops.push(() => server.close());
    log(`console on ${server.url} (sign in as ${options.approvers[0]}; each user's password is in ${consoleLogin.file})`);
    return { config, ingested, consoleUrl: server.url, consoleUsersFile: consoleLogin.file, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

