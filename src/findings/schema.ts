import { z } from 'zod';
import { findingClasses, findingStates, severities } from './vocabulary';
import { decodeEnum, decodeInt64, decodeTimestamp, type Decoded, type Json } from './wire';

/** Structural schema of a canonicalized (proto3 JSON) finding envelope: types only, no meaning yet. */

function decoded<T>(decode: (input: unknown) => Decoded<T>) {
  return z.unknown().transform((input, ctx) => {
    const result = decode(input);
    if (result.ok) return result.value;
    ctx.issues.push({ code: 'custom', message: result.message, input });
    return z.NEVER;
  });
}

const timestamp = decoded(decodeTimestamp);
const int64 = decoded(decodeInt64);
const json = z.custom<Json>(() => true);

const file = z.object({
  path: z.string().optional(),
  size: int64.optional(),
  sha256: z.string().optional(),
  hashedSize: int64.optional(),
  partiallyHashed: z.boolean().optional(),
  contents: z.string().optional(),
});

const process = z.object({
  name: z.string().optional(),
  binary: file.optional(),
  script: file.optional(),
  args: z.array(z.string()).optional(),
  argumentsTruncated: z.boolean().optional(),
  pid: int64.optional(),
  parentPid: int64.optional(),
});

const container = z.object({
  name: z.string().optional(),
  uri: z.string().optional(),
  imageId: z.string().optional(),
});

const finding = z.object({
  name: z.string(),
  canonicalName: z.string().optional(),
  parent: z.string().optional(),
  resourceName: z.string().optional(),
  state: decoded((input) => decodeEnum(input, findingStates)).optional(),
  category: z.string(),
  externalUri: z.string().optional(),
  sourceProperties: z.record(z.string(), json).optional(),
  eventTime: timestamp.optional(),
  createTime: timestamp.optional(),
  severity: decoded((input) => decodeEnum(input, severities)).optional(),
  findingClass: decoded((input) => decodeEnum(input, findingClasses)).optional(),
  indicator: z
    .object({
      ipAddresses: z.array(z.string()).optional(),
      domains: z.array(z.string()).optional(),
      uris: z.array(z.string()).optional(),
    })
    .optional(),
  mitreAttack: z
    .object({
      primaryTactic: z.union([z.string(), z.number()]).optional(),
      primaryTechniques: z.array(z.union([z.string(), z.number()])).optional(),
      additionalTactics: z.array(z.union([z.string(), z.number()])).optional(),
      additionalTechniques: z.array(z.union([z.string(), z.number()])).optional(),
      version: z.string().optional(),
    })
    .optional(),
  processes: z.array(process).optional(),
  contacts: z
    .record(z.string(), z.object({ contacts: z.array(z.object({ email: z.string().optional() })).optional() }))
    .optional(),
  description: z.string().optional(),
  containers: z.array(container).optional(),
  kubernetes: z
    .object({
      pods: z.array(z.object({ ns: z.string().optional(), name: z.string().optional(), containers: z.array(container).optional() })).optional(),
      nodes: z.array(z.object({ name: z.string().optional() })).optional(),
    })
    .optional(),
});

const resource = z.object({
  name: z.string().optional(),
  displayName: z.string().optional(),
  type: z.string().optional(),
  project: z.string().optional(),
  /** listFindings results name it projectName; notifications, project. */
  projectName: z.string().optional(),
  projectDisplayName: z.string().optional(),
  gcpMetadata: z
    .object({
      project: z.string().optional(),
      projectDisplayName: z.string().optional(),
      organization: z.string().optional(),
      folders: z.array(z.object({ resourceFolder: z.string().optional() })).optional(),
    })
    .optional(),
  /** v1 notifications: the folders above the project, nearest first. */
  folders: z.array(z.object({ resourceFolder: z.string().optional() })).optional(),
  /** v2: the whole path from the organization down. */
  resourcePath: z.object({ nodes: z.array(z.object({ nodeType: z.string().optional(), id: z.string().optional() })).optional() }).optional(),
});

export const envelopeSchema = z.object({
  notificationConfigName: z.string().optional(),
  finding,
  resource: resource.optional(),
  /** The console's JSON tab repeats sourceProperties beside the finding. */
  sourceProperties: z.record(z.string(), json).optional(),
});

export type Envelope = z.infer<typeof envelopeSchema>;
export type EnvelopeFinding = Envelope['finding'];
export type EnvelopeProcess = z.infer<typeof process>;
export type EnvelopeFile = z.infer<typeof file>;
