import type { Envelope } from './schema';
import type { FindingNameParts } from './vocabulary';

/**
 * Where the finding's resource sits in the resource hierarchy: its organization and folders,
 * by numeric ID, from whichever fields the sender filled (v1 folders, v2 gcpMetadata or
 * resourcePath, the finding's own parent). Anything that is not a plain ID is left out.
 */
export interface Ancestry {
  organization?: string;
  folders: string[];
}

const numericId = /^\d{1,24}$/;

function idOf(reference: string | undefined, kind: 'organizations' | 'folders'): string | undefined {
  if (!reference) return undefined;
  const id = reference.split(`${kind}/`).pop() ?? '';
  return numericId.test(id) ? id : undefined;
}

export function readAncestry(envelope: Envelope, nameParts: FindingNameParts): Ancestry {
  const resource = envelope.resource;
  const nodes = resource?.resourcePath?.nodes ?? [];
  const organization =
    idOf(resource?.gcpMetadata?.organization, 'organizations') ??
    nodes.map((node) => (node.nodeType === 'GCP_ORGANIZATION' ? idOf(`organizations/${node.id ?? ''}`, 'organizations') : undefined)).find(Boolean) ??
    (nameParts.parentType === 'organizations' ? idOf(`organizations/${nameParts.parentId}`, 'organizations') : undefined);
  const folders = [
    ...(resource?.folders ?? []).map((f) => idOf(f.resourceFolder, 'folders')),
    ...(resource?.gcpMetadata?.folders ?? []).map((f) => idOf(f.resourceFolder, 'folders')),
    ...nodes.filter((node) => node.nodeType === 'GCP_FOLDER').map((node) => idOf(`folders/${node.id ?? ''}`, 'folders')),
    ...(nameParts.parentType === 'folders' ? [idOf(`folders/${nameParts.parentId}`, 'folders')] : []),
  ].filter((id): id is string => id !== undefined);
  return { ...(organization ? { organization } : {}), folders: [...new Set(folders)].slice(0, 32) };
}
