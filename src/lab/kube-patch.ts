import { KubeError } from './kube-store';

/**
 * The three patch types of the API server, by Content-Type. The body must fit its type: a
 * merge-patch object sent as JSON Patch is refused, as the real server refuses it.
 */
export type PatchType = 'json' | 'merge' | 'strategic';

export function patchTypeOf(contentType: string | undefined): PatchType {
  const type = (contentType ?? '').split(';')[0]!.trim();
  switch (type) {
    case 'application/json-patch+json':
      return 'json';
    case 'application/merge-patch+json':
      return 'merge';
    case 'application/strategic-merge-patch+json':
      return 'strategic';
    default:
      throw new KubeError(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml`);
  }
}

export function applyPatch<T>(target: T, patch: unknown, type: PatchType): T {
  if (type === 'json') return applyJsonPatch(target, patch);
  if (typeof patch !== 'object' || patch === null || Array.isArray(patch)) {
    throw new KubeError(400, 'BadRequest', 'error decoding patch: json: cannot unmarshal array into Go value of type map[string]interface {}');
  }
  return mergePatch(target, patch, type === 'strategic') as T;
}

/** RFC 7386, plus strategic merge's rule that lists of named things merge by name. */
function mergePatch(target: unknown, patch: unknown, strategic: boolean): unknown {
  if (typeof patch !== 'object' || patch === null || Array.isArray(patch)) {
    if (strategic && Array.isArray(patch) && Array.isArray(target) && patch.every(isNamed) && target.every(isNamed)) {
      const merged = target.map((item) => {
        const update = patch.find((candidate) => candidate.name === item.name);
        return update ? mergePatch(item, update, true) : item;
      });
      return [...merged, ...patch.filter((candidate) => !target.some((item) => item.name === candidate.name))];
    }
    return structuredClone(patch);
  }
  const result: Record<string, unknown> =
    typeof target === 'object' && target !== null && !Array.isArray(target) ? { ...(target as Record<string, unknown>) } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    else result[key] = mergePatch(result[key], value, strategic);
  }
  return result;
}

function isNamed(value: unknown): value is { name: string } {
  return typeof value === 'object' && value !== null && typeof (value as { name?: unknown }).name === 'string';
}

type Operation = { op: string; path: string; value?: unknown; from?: string };

/** RFC 6902: add, remove, replace, test (what clients of this API send). */
function applyJsonPatch<T>(target: T, patch: unknown): T {
  if (!Array.isArray(patch)) {
    throw new KubeError(400, 'BadRequest', 'json: cannot unmarshal object into Go value of type jsonpatch.Patch');
  }
  let document = structuredClone(target) as unknown;
  for (const operation of patch as Operation[]) {
    const segments = pointer(operation.path);
    const parent = segments.slice(0, -1).reduce<unknown>((node, segment) => child(node, segment, operation), document);
    const last = segments.at(-1);
    if (last === undefined) {
      if (operation.op === 'replace' || operation.op === 'add') document = structuredClone(operation.value);
      continue;
    }
    const container = parent as Record<string, unknown> | unknown[];
    switch (operation.op) {
      case 'add':
        if (Array.isArray(container)) container.splice(last === '-' ? container.length : Number(last), 0, structuredClone(operation.value));
        else container[last] = structuredClone(operation.value);
        break;
      case 'replace':
        child(container, last, operation);
        if (Array.isArray(container)) container[Number(last)] = structuredClone(operation.value);
        else container[last] = structuredClone(operation.value);
        break;
      case 'remove':
        child(container, last, operation);
        if (Array.isArray(container)) container.splice(Number(last), 1);
        else delete container[last];
        break;
      case 'test':
        if (JSON.stringify(child(container, last, operation)) !== JSON.stringify(operation.value)) {
          throw new KubeError(422, 'Invalid', `the server rejected our request due to an error in our request: testing value ${operation.path} failed`);
        }
        break;
      default:
        throw new KubeError(400, 'BadRequest', `Unexpected kind: ${operation.op}`);
    }
  }
  return document as T;
}

function pointer(path: string): string[] {
  if (path === '') return [];
  if (!path.startsWith('/')) throw new KubeError(400, 'BadRequest', `invalid JSON pointer ${path}`);
  return path.slice(1).split('/').map((segment) => segment.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function child(node: unknown, segment: string, operation: Operation): unknown {
  if (typeof node !== 'object' || node === null || !(segment in node)) {
    throw new KubeError(422, 'Invalid', `the server rejected our request due to an error in our request: ${operation.op} operation does not apply: doc is missing path: ${operation.path}`);
  }
  return (node as Record<string, unknown>)[segment];
}
