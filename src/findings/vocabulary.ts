/** The words a finding is written in: runtimes, severities, states, classes, and the parts of its name. */

export type Runtime = 'gke' | 'cloud-run';

export const severities = ['SEVERITY_UNSPECIFIED', 'CRITICAL', 'HIGH', 'MEDIUM', 'LOW'] as const;
export type Severity = (typeof severities)[number];

export const findingStates = ['STATE_UNSPECIFIED', 'ACTIVE', 'INACTIVE'] as const;
export type FindingState = (typeof findingStates)[number];

export const findingClasses = [
  'FINDING_CLASS_UNSPECIFIED',
  'THREAT',
  'VULNERABILITY',
  'MISCONFIGURATION',
  'OBSERVATION',
  'SCC_ERROR',
  'POSTURE_VIOLATION',
  'TOXIC_COMBINATION',
  'SENSITIVE_DATA_RISK',
  'CHOKEPOINT',
] as const;
export type FindingClass = (typeof findingClasses)[number];

/** The parts of a finding's relative name, v1 (`…/sources/S/findings/F`) or v2 (`…/sources/S/locations/L/findings/F`). */
export interface FindingNameParts {
  apiVersion: 'v1' | 'v2';
  parentType: 'organizations' | 'folders' | 'projects';
  parentId: string;
  sourceId: string;
  /** SCC location of a v2 name (`global`, `eu`, …). */
  location?: string;
  findingId: string;
}
