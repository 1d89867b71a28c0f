import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { GoogleAuth } from 'google-auth-library';
import type { Config } from '../config/config';
import { normalEmail } from '../workflows/email';
import { CommandError } from './command-error';

/**
 * Who the CLI decides as: never a name it is told, always an identity the console (the decision
 * authority) authenticates. In the lab, a lab user's sign-in; in production, the user's own
 * Google ID token (Application Default Credentials, or `gcloud auth print-identity-token`).
 */
export interface ConsoleCaller {
  url: string;
  headers: Record<string, string>;
  /** How the CLI proved who it is, for messages. */
  as: string;
}

export interface CallerOptions {
  /** A lab user to sign in as (the password from SCC_CONSOLE_PASSWORD, or the lab's own file). */
  user?: string;
  /** Where the console listens. */
  console?: string;
  /** The audience of the ID token (the OAuth client IAP or the provider expects). */
  audience?: string;
}

export async function consoleCaller(config: Config, options: CallerOptions, env: NodeJS.ProcessEnv = process.env): Promise<ConsoleCaller> {
  const url = (options.console ?? env.SCC_CONSOLE_URL ?? config.notifications.consoleUrl ?? (config.server ? `http://${config.server.address}` : undefined))?.replace(/\/+$/, '');
  if (!url) throw new CommandError('no console to decide through: pass --console URL, set SCC_CONSOLE_URL, or configure server.address', 2);
  const user = options.user ?? env.SCC_CONSOLE_USER;
  if (user !== undefined) {
    const email = normalEmail(user);
    if (!email) throw new CommandError(`${JSON.stringify(user.slice(0, 80))} is not an e-mail address`, 2);
    const password = env.SCC_CONSOLE_PASSWORD ?? labPassword(config.dataDir, email);
    if (!password) throw new CommandError(`no password for ${email}: set SCC_CONSOLE_PASSWORD (the lab keeps each user's in ${join(config.dataDir, 'console-users')})`, 2);
    return { url, headers: { authorization: `Basic ${Buffer.from(`${email}:${password}`, 'utf8').toString('base64')}` }, as: `${email} (lab sign-in)` };
  }
  const token = env.SCC_ID_TOKEN ?? (await googleIdToken(options.audience ?? env.SCC_ID_TOKEN_AUDIENCE ?? oidcAudience(config)));
  return { url, headers: { authorization: `Bearer ${token}` }, as: 'your Google identity' };
}

/** The lab's password file, which `up` writes: `EMAIL PASSWORD` per line. */
function labPassword(dataDir: string, email: string): string | undefined {
  const file = join(dataDir, 'console-users');
  if (!existsSync(file)) return undefined;
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const [who, password] = line.trim().split(/\s+/);
    if (who && password && normalEmail(who) === email) return password;
  }
  return undefined;
}

function oidcAudience(config: Config): string | undefined {
  return config.server?.auth.mode === 'oidc' ? config.server.auth.audience : undefined;
}

const run = promisify(execFile);

/** The user's ID token: from Application Default Credentials when they can mint one, else from gcloud. */
async function googleIdToken(audience: string | undefined): Promise<string> {
  const failures: string[] = [];
  if (audience) {
    try {
      const client = await new GoogleAuth().getIdTokenClient(audience);
      const token = await client.idTokenProvider.fetchIdToken(audience);
      if (token) return token;
    } catch (error) {
      failures.push(`Application Default Credentials: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  try {
    // Arguments, not a shell line: nothing here is interpolated into a command.
    const { stdout } = await run('gcloud', ['auth', 'print-identity-token', ...(audience ? [`--audiences=${audience}`] : [])], { timeout: 30_000 });
    const token = stdout.trim();
    if (/^[\w-]+\.[\w-]+\.[\w-]+$/.test(token)) return token;
    failures.push('gcloud printed no ID token');
  } catch (error) {
    failures.push(`gcloud auth print-identity-token: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`);
  }
  throw new CommandError(`cannot prove who you are to the console (${failures.join('; ')}). Sign in with gcloud, set SCC_ID_TOKEN, or in the lab pass --user EMAIL`, 2);
}

/** A call to the console API as the caller; its refusals come back as the CLI's errors. */
export async function callConsole<T>(caller: ConsoleCaller, method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
  let response: Response;
  try {
    response = await fetch(`${caller.url}${path}`, {
      method,
      headers: { ...caller.headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(120_000),
    });
  } catch (error) {
    throw new CommandError(`cannot reach the console at ${caller.url}: ${error instanceof Error ? ((error.cause as Error | undefined)?.message ?? error.message) : String(error)}`);
  }
  const text = await response.text();
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  if (!response.ok) {
    const reason = (parsed as { error?: string } | undefined)?.error ?? text.slice(0, 300);
    throw new CommandError(response.status === 401 || response.status === 403 ? `the console refused ${caller.as}: ${reason}` : reason, response.status === 400 ? 2 : 1);
  }
  return parsed as T;
}
