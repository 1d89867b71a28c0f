import { Root, common, type Type } from 'protobufjs';

/**
 * google.cloud.audit.AuditLog, as public in googleapis (google/cloud/audit/audit_log.proto).
 * The logging client does not ship it; over gRPC it never needs it (an Any stays bytes), but in
 * REST mode the client must decode audit entries' protoPayload, and without the type the call
 * never settles. Nested detail that callers only display is declared as Struct, which accepts
 * any JSON object, so nothing the server sends is dropped.
 */
const struct = 'google.protobuf.Struct';

export const auditLogDescriptor = {
  nested: {
    google: {
      nested: {
        cloud: {
          nested: {
            audit: {
              nested: {
                AuditLog: {
                  fields: {
                    serviceName: { type: 'string', id: 7 },
                    methodName: { type: 'string', id: 8 },
                    resourceName: { type: 'string', id: 11 },
                    resourceLocation: { type: 'ResourceLocation', id: 20 },
                    resourceOriginalState: { type: struct, id: 19 },
                    numResponseItems: { type: 'int64', id: 12 },
                    status: { type: struct, id: 2 },
                    authenticationInfo: { type: 'AuthenticationInfo', id: 3 },
                    authorizationInfo: { rule: 'repeated', type: 'AuthorizationInfo', id: 9 },
                    policyViolationInfo: { type: struct, id: 25 },
                    requestMetadata: { type: 'RequestMetadata', id: 4 },
                    request: { type: struct, id: 16 },
                    response: { type: struct, id: 17 },
                    metadata: { type: struct, id: 18 },
                    serviceData: { type: struct, id: 15 },
                  },
                },
                AuthenticationInfo: {
                  fields: {
                    principalEmail: { type: 'string', id: 1 },
                    authoritySelector: { type: 'string', id: 2 },
                    thirdPartyPrincipal: { type: struct, id: 4 },
                    serviceAccountKeyName: { type: 'string', id: 5 },
                    serviceAccountDelegationInfo: { rule: 'repeated', type: struct, id: 6 },
                    principalSubject: { type: 'string', id: 8 },
                  },
                },
                AuthorizationInfo: {
                  fields: {
                    resource: { type: 'string', id: 1 },
                    permission: { type: 'string', id: 2 },
                    granted: { type: 'bool', id: 3 },
                    resourceAttributes: { type: struct, id: 5 },
                  },
                },
                RequestMetadata: {
                  fields: {
                    callerIp: { type: 'string', id: 1 },
                    callerSuppliedUserAgent: { type: 'string', id: 2 },
                    callerNetwork: { type: 'string', id: 3 },
                    requestAttributes: { type: struct, id: 7 },
                    destinationAttributes: { type: struct, id: 8 },
                  },
                },
                ResourceLocation: {
                  fields: {
                    currentLocations: { rule: 'repeated', type: 'string', id: 1 },
                    originalLocations: { rule: 'repeated', type: 'string', id: 2 },
                  },
                },
              },
            },
          },
        },
      },
    },
  },
};

interface ProtoRoot {
  addJSON(json: unknown): unknown;
  lookup(path: string): unknown;
}

/** Adds AuditLog to a logging client's protobuf root, once. */
export function registerAuditLogType(loggingService: unknown): void {
  const root = (loggingService as { _protos?: ProtoRoot })._protos;
  if (!root || typeof root.addJSON !== 'function') {
    throw new Error('the logging client has no protobuf root to register google.cloud.audit.AuditLog in');
  }
  if (!root.lookup('google.cloud.audit.AuditLog')) root.addJSON(auditLogDescriptor.nested);
}

let auditLogType: Type | undefined;

/** Decodes AuditLog bytes (an Any's value) into JSON, Structs as plain objects. */
export function decodeAuditLog(bytes: Uint8Array): Record<string, unknown> {
  if (!auditLogType) {
    const root = new Root();
    root.addJSON(common.get('google/protobuf/struct.proto')!.nested!);
    root.addJSON(auditLogDescriptor.nested);
    auditLogType = root.lookupType('google.cloud.audit.AuditLog');
  }
  const message = auditLogType.decode(bytes);
  return plainStructs(auditLogType.toObject(message, { longs: String, enums: String, defaults: false })) as Record<string, unknown>;
}

/** protobufjs renders a Struct as {fields: {k: {stringValue}}}; readers want the JSON it stands for. */
function plainStructs(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(plainStructs);
  if (typeof value !== 'object' || value === null) return value;
  const object = value as Record<string, unknown>;
  const keys = Object.keys(object);
  if (keys.length === 1 && keys[0] === 'fields' && typeof object.fields === 'object') {
    return Object.fromEntries(Object.entries(object.fields as Record<string, unknown>).map(([k, v]) => [k, plainValue(v)]));
  }
  return Object.fromEntries(keys.map((k) => [k, plainStructs(object[k])]));
}

function plainValue(value: unknown): unknown {
  const v = (value ?? {}) as Record<string, unknown>;
  if ('stringValue' in v) return v.stringValue;
  if ('numberValue' in v) return v.numberValue;
  if ('boolValue' in v) return v.boolValue;
  if ('structValue' in v) return plainStructs(v.structValue);
  if ('listValue' in v) return ((v.listValue as { values?: unknown[] }).values ?? []).map(plainValue);
  return null;
}
