import { loadClientConfigProfile, toClientOptions, type ClientConfigProfile, type ClientConfigTLS, type ConfigDataSource } from '@temporalio/envconfig';
import { z } from 'zod';

/**
 * Where the connection to Temporal comes from, lowest first:
 * 1. the `temporal.toml` profile (`TEMPORAL_CONFIG_FILE`, else the user's config directory;
 *    `TEMPORAL_PROFILE`, else `default`), read by Temporal's own loader as the `temporal` CLI reads it;
 * 2. the `temporal` section of this project's configuration file;
 * 3. the `TEMPORAL_*` variables (`TEMPORAL_ADDRESS`, `TEMPORAL_NAMESPACE`, `TEMPORAL_API_KEY`,
 *    `TEMPORAL_TLS`, `TEMPORAL_TLS_CLIENT_CERT_PATH`/`_DATA`, `TEMPORAL_TLS_CLIENT_KEY_PATH`/`_DATA`,
 *    `TEMPORAL_TLS_SERVER_CA_CERT_PATH`/`_DATA`, `TEMPORAL_TLS_SERVER_NAME`, `TEMPORAL_GRPC_META_*`),
 *    read by the same loader.
 * The file sits between the two so that a stack's own file (`.data/stack.json`) is not redirected by
 * somebody's personal profile, while a deployment's environment still has the last word.
 */

/** Names this project once read, and what Temporal's configuration calls them. */
export const retiredTemporalVariables: Readonly<Record<string, string>> = {
  TEMPORAL_TLS_CERT: 'TEMPORAL_TLS_CLIENT_CERT_PATH',
  TEMPORAL_TLS_KEY: 'TEMPORAL_TLS_CLIENT_KEY_PATH',
  TEMPORAL_TLS_CA: 'TEMPORAL_TLS_SERVER_CA_CERT_PATH',
};

const dataSource = z.union([z.object({ path: z.string().min(1) }).strict(), z.object({ data: z.union([z.string().min(1), z.custom<Uint8Array<ArrayBuffer>>((v) => v instanceof Uint8Array && v.length > 0)]) }).strict()]);

/** The resolved connection, in Temporal's own shape. */
export const temporalTlsSchema = z
  .object({
    disabled: z.boolean().optional(),
    serverName: z.string().min(1).optional(),
    clientCert: dataSource.optional(),
    clientKey: dataSource.optional(),
    serverCACert: dataSource.optional(),
  })
  .strict();

/** What the project's file may say under `temporal.tls`: paths, as before. */
const fileTlsSchema = z
  .object({
    disabled: z.boolean().optional(),
    certPath: z.string().min(1).optional(),
    keyPath: z.string().min(1).optional(),
    caPath: z.string().min(1).optional(),
    serverName: z.string().min(1).optional(),
  })
  .strict();

export type TemporalTls = z.infer<typeof temporalTlsSchema>;

export interface TemporalConnectionFields {
  address?: string;
  namespace?: string;
  apiKey?: string;
  tls?: TemporalTls;
  grpcMeta?: Record<string, string>;
}

export class TemporalConnectionError extends Error {
  override readonly name = 'TemporalConnectionError';
}

/**
 * The connection fields of the project's `temporal` section layered over Temporal's profile, with
 * Temporal's variables over both. Every other key of the section (task queue, workflow id prefix)
 * passes through untouched.
 */
export function resolveTemporalSection(section: Record<string, unknown>, env: NodeJS.ProcessEnv): Record<string, unknown> {
  const retired = Object.keys(retiredTemporalVariables).filter((name) => env[name] !== undefined);
  if (retired.length > 0) {
    throw new TemporalConnectionError(
      `${retired.join(', ')} ${retired.length === 1 ? 'is' : 'are'} no longer read: Temporal's configuration names ${retired.map((name) => retiredTemporalVariables[name]).join(', ')}`,
    );
  }
  const variables = definedOnly(env);
  let profile: ClientConfigProfile;
  let fromEnv: ClientConfigProfile;
  try {
    profile = loadClientConfigProfile({ overrideEnvVars: variables, disableEnv: true });
    fromEnv = loadClientConfigProfile({ overrideEnvVars: variables, disableFile: true });
  } catch (error) {
    const where = env.TEMPORAL_CONFIG_FILE ? `TEMPORAL_CONFIG_FILE=${env.TEMPORAL_CONFIG_FILE}` : 'the temporal.toml in the user config directory';
    throw new TemporalConnectionError(`cannot read Temporal's client configuration (${where}${env.TEMPORAL_PROFILE ? `, profile ${env.TEMPORAL_PROFILE}` : ''}): ${error instanceof Error ? error.message : String(error)}`);
  }
  const fromFile = fileFields(section);
  const layers = [profile, fromFile, fromEnv];
  const merged: TemporalConnectionFields = {};
  for (const layer of layers) {
    if (layer.address !== undefined) merged.address = layer.address;
    if (layer.namespace !== undefined) merged.namespace = layer.namespace;
    if (layer.apiKey !== undefined) merged.apiKey = layer.apiKey;
    if (layer.tls !== undefined) merged.tls = { ...merged.tls, ...stripUndefined(layer.tls as TemporalTls) };
    if (layer.grpcMeta !== undefined) merged.grpcMeta = { ...merged.grpcMeta, ...layer.grpcMeta };
  }
  if (merged.tls && !merged.tls.disabled && Boolean(merged.tls.clientCert) !== Boolean(merged.tls.clientKey)) {
    throw new TemporalConnectionError(`Temporal mTLS needs both a client certificate and its key: only the ${merged.tls.clientCert ? 'certificate' : 'key'} is set`);
  }
  const { tls: _fileTls, ...rest } = section;
  return { ...rest, ...stripUndefined(merged as Record<string, unknown>) };
}

/** Options for `Connection.connect` and `NativeConnection.connect`, through Temporal's own converter (it reads the files). */
export function temporalConnectOptions(fields: TemporalConnectionFields & { address: string }) {
  const { connectionOptions } = toClientOptions(fields as ClientConfigProfile);
  const { address, apiKey, tls, metadata } = connectionOptions;
  return {
    address: address ?? fields.address,
    ...(apiKey !== undefined ? { apiKey } : {}),
    ...(tls !== undefined ? { tls } : {}),
    ...(metadata !== undefined && Object.keys(metadata).length > 0 ? { metadata } : {}),
  };
}

function fileFields(section: Record<string, unknown>): ClientConfigProfile {
  const out: ClientConfigProfile = {};
  if (typeof section.address === 'string') out.address = section.address;
  if (typeof section.namespace === 'string') out.namespace = section.namespace;
  if (typeof section.apiKey === 'string') out.apiKey = section.apiKey;
  if (section.tls !== undefined) {
    const parsed = fileTlsSchema.safeParse(section.tls);
    if (!parsed.success) {
      throw new TemporalConnectionError(`temporal.tls in the configuration file: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`);
    }
    const tls = parsed.data;
    const path = (p: string | undefined): ConfigDataSource | undefined => (p ? { path: p } : undefined);
    out.tls = stripUndefined({ disabled: tls.disabled, serverName: tls.serverName, clientCert: path(tls.certPath), clientKey: path(tls.keyPath), serverCACert: path(tls.caPath) }) as ClientConfigTLS;
  }
  return out;
}

function definedOnly(env: NodeJS.ProcessEnv): Record<string, string> {
  return Object.fromEntries(Object.entries(env).filter((entry): entry is [string, string] => entry[1] !== undefined));
}

function stripUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
