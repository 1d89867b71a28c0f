import type { MessageOutcome } from '../intake/message-intake';
import { PubSubPullIntake } from '../intake/pubsub-pull';
import { PushEndpoint } from '../intake/push-endpoint';
import { startPushServer } from '../intake/push-server';
import { SccPoller, pollEvery } from '../intake/scc-poller';
import { createCloudClients } from '../cloud';
import type { CliContext } from './cli-context';
import { CommandError } from './command-error';
import type { CliIo } from './finding-check';

/** Long-running intake and the dead letters it keeps. Each settled message is one JSON line. */

const jsonLine = (entry: Record<string, unknown>) => `${JSON.stringify({ at: new Date().toISOString(), ...entry })}\n`;
const outcomeLine = (outcome: MessageOutcome & { deliveryAttempt?: number }) => jsonLine({ level: outcome.outcome === 'dead-letter' ? 'warn' : 'info', ...outcome });

export async function pubsubIntakeCommand(context: CliContext, options: { subscription: string; emulator?: string; maxInFlight: string }, io: CliIo, until: () => Promise<void>): Promise<void> {
  const maxInFlight = Number(options.maxInFlight);
  if (!Number.isInteger(maxInFlight) || maxInFlight < 1 || maxInFlight > 1000) throw new CommandError(`--max-in-flight must be an integer from 1 to 1000, not ${options.maxInFlight}`, 2);
  let intake: PubSubPullIntake;
  try {
    intake = new PubSubPullIntake(await context.ingestDeps(), {
      subscription: options.subscription,
      ...(options.emulator ?? process.env.PUBSUB_EMULATOR_HOST ? { emulatorHost: options.emulator ?? process.env.PUBSUB_EMULATOR_HOST } : {}),
      maxInFlight,
      onOutcome: (outcome, delivery) => io.stdout(outcomeLine({ ...outcome, ...delivery })),
      onError: (error, messageId) => io.stderr(jsonLine({ level: 'error', ...(messageId ? { messageId } : {}), error: error.message })),
    });
  } catch (error) {
    throw new CommandError(error instanceof Error ? error.message : String(error), 2);
  }
  intake.start();
  io.stderr(jsonLine({ level: 'info', message: `pulling findings from ${options.subscription}` }));
  await until();
  await intake.stop();
}

export async function pushIntakeCommand(context: CliContext, options: { host: string; port: string }, io: CliIo, until: () => Promise<void>): Promise<void> {
  const push = context.config.push;
  if (!push) throw new CommandError('the push endpoint needs `push` in the configuration: {audience, serviceAccount} for Google OIDC, or {sharedSecret} in the lab (or SCC_PUSH_AUDIENCE with SCC_PUSH_SERVICE_ACCOUNT, or SCC_PUSH_SECRET)', 2);
  const port = Number(options.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new CommandError(`--port must be a port number, not ${options.port}`, 2);
  const auth = 'sharedSecret' in push ? { kind: 'shared-secret' as const, secret: push.sharedSecret } : { kind: 'oidc' as const, audience: push.audience, serviceAccount: push.serviceAccount };
  const server = await startPushServer(new PushEndpoint(await context.ingestDeps(), auth), {
    host: options.host,
    port,
    onResponse: (response) => {
      if (response.outcome) io.stdout(outcomeLine(response.outcome));
      else if (response.status >= 400) io.stderr(jsonLine({ level: 'warn', status: response.status, reason: response.body }));
    },
  });
  io.stderr(jsonLine({ level: 'info', message: `push endpoint at ${server.url}` }));
  await until();
  await server.close();
}

export async function pollIntakeCommand(
  context: CliContext,
  options: { parent: string; category?: string[]; intervalSeconds: string; startFrom?: string },
  io: CliIo,
  until: () => Promise<void>,
): Promise<void> {
  const interval = Number(options.intervalSeconds);
  if (!Number.isInteger(interval) || interval < 5 || interval > 86_400) throw new CommandError(`--interval-seconds must be an integer from 5 to 86400, not ${options.intervalSeconds}`, 2);
  const startFrom = options.startFrom ?? new Date(Date.now() - 24 * 3600_000).toISOString();
  if (Number.isNaN(Date.parse(startFrom))) throw new CommandError(`--start-from must be a time (RFC 3339), not ${startFrom}`, 2);
  const clients = createCloudClients(context.config.cloud);
  const poller = new SccPoller(await context.ingestDeps(), clients.scc, { parent: options.parent, categories: options.category ?? [], startFrom });
  const loop = pollEvery(poller, interval * 1000, (result) => {
    if (result instanceof Error) {
      io.stderr(jsonLine({ level: 'error', error: result.message }));
      return;
    }
    for (const outcome of result.outcomes) io.stdout(outcomeLine(outcome));
    if (result.capped) io.stderr(jsonLine({ level: 'warn', message: `a poll read its maximum of findings; the cursor stays at ${result.cursor} until the backlog fits` }));
  });
  io.stderr(jsonLine({ level: 'info', message: `polling ${options.parent} every ${interval} s` }));
  await until();
  await loop.stop();
  await clients.close();
}

export async function deadLettersListCommand(context: CliContext, options: { format: 'text' | 'json'; limit: string }, io: CliIo): Promise<void> {
  const rows = await (await context.store()).listDeadLetters({ limit: Math.min(10_000, Math.max(1, Number(options.limit) || 100)) });
  if (options.format === 'json') {
    io.stdout(`${JSON.stringify(rows, null, 2)}\n`);
    return;
  }
  if (rows.length === 0) io.stdout('no dead letters\n');
  // The reason may quote hostile input: JSON-escape it so nothing reaches the terminal raw.
  for (const row of rows) io.stdout(`${row.id}  ${new Date(row.received_at).toISOString()}  ${row.source}  ${row.message_id}  ${row.size} bytes  ${JSON.stringify(row.reason)}\n`);
}

/** The message exactly as received: its text when it is UTF-8, else base64, and why it was refused. */
export async function deadLetterShowCommand(context: CliContext, id: string, io: CliIo): Promise<void> {
  if (!/^dl-[0-9a-f]{16}$/.test(id)) throw new CommandError(`"${id.slice(0, 100)}" is not a dead letter ID (dl-XXXXXXXXXXXXXXXX)`, 2);
  const store = await context.store();
  const raw = await store.deadLetterRaw(id);
  if (!raw) throw new CommandError(`no dead letter ${id}`);
  const meta = await store.deadLetter(id);
  let text: string | undefined;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(raw);
  } catch {
    text = undefined;
  }
  io.stdout(`${JSON.stringify({ ...meta, ...(text === undefined ? { encoding: 'base64', data: raw.toString('base64') } : { encoding: 'utf8', data: text }) }, null, 2)}\n`);
}
