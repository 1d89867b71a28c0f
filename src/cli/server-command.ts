import { hashPassword } from '../server/auth/local-users';
import { authenticatorFor } from '../server/auth/from-config';
import { startConsoleServer } from '../server/console-server';
import { consoleAuthority } from '../server/decision-authority';
import { CommandError } from './command-error';
import type { CliContext } from './cli-context';
import type { CliIo } from './finding-check';
import { slackInteractionsFor } from '../server/slack-interactions';
import { evidenceStoreFor } from '../worker/runtime';

/** `scc-responder server`: the API and console until stopped. */
export async function serverCommand(context: CliContext, io: CliIo, until: () => Promise<void>): Promise<void> {
  const settings = context.config.server;
  if (!settings) {
    throw new CommandError('the server needs `server.auth` in the configuration: {mode: "iap", audience} behind Identity-Aware Proxy (or SCC_IAP_AUDIENCE), {mode: "oidc", issuer, audience, jwksUrl}, or {mode: "lab", users} for local users', 2);
  }
  const separator = settings.address.lastIndexOf(':');
  const store = await context.store();
  const server = await startConsoleServer({
    host: settings.address.slice(0, separator),
    port: Number(settings.address.slice(separator + 1)),
    store,
    client: await context.client(),
    policy: context.config.policy,
    // Sessions live in the case store: signing out ends one for every console replica, and a restart keeps them.
    authenticator: authenticatorFor(settings.auth, store),
    secureCookies: settings.secureCookies,
    ...consoleAuthority(context.config),
    ...(settings.viewers ? { viewers: settings.viewers } : {}),
    ...slackInteractionsFor(context.config),
    evidence: evidenceStoreFor(context.config),
  });
  io.stderr(`${JSON.stringify({ level: 'info', message: `console and API at ${server.url} (OpenAPI: ${server.url}/api/openapi.json), ${settings.auth.mode} authentication` })}\n`);
  await until();
  await server.close();
}

/** Reads a password from standard input and prints the hash a lab user's entry takes. */
export async function consolePasswordCommand(io: CliIo): Promise<void> {
  const password = (await io.readStdin()).toString('utf8').replace(/\r?\n$/, '');
  if (password.length < 12) throw new CommandError('a console password has at least 12 characters', 2);
  io.stdout(`${await hashPassword(password)}\n`);
}
