import type { FindingNameParts } from './model';

const findingName =
  /^(organizations|folders|projects)\/([a-z0-9][-a-z0-9.:]{0,93})\/sources\/([0-9]{1,20})(?:\/locations\/([a-z][-a-z0-9]{0,62}))?\/findings\/([A-Za-z0-9_-]{1,64})$/;

/** Splits a v1 or v2 finding name; undefined when it is neither. */
export function parseFindingName(name: string): FindingNameParts | undefined {
  const match = findingName.exec(name);
  if (!match) return undefined;
  const [, parentType, parentId, sourceId, location, findingId] = match;
  return {
    apiVersion: location ? 'v2' : 'v1',
    parentType: parentType as FindingNameParts['parentType'],
    parentId: parentId!,
    sourceId: sourceId!,
    ...(location ? { location } : {}),
    findingId: findingId!,
  };
}

export const findingNameForm =
  'organizations|folders|projects/ID/sources/SOURCE[/locations/LOCATION]/findings/FINDING';
