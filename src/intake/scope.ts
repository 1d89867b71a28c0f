import { z } from 'zod';
import type { Finding } from '../findings/model';

/**
 * What starts a case at all: organizations, folders, projects (ID or number), GKE clusters and
 * namespaces, Cloud Run services. A finding is in scope when every dimension the include list
 * names matches it, and no dimension of the exclude list does.
 */

const ids = z.array(z.string().min(1).max(128)).max(1000).optional();

export const scopeSetSchema = z.strictObject({
  organizations: ids,
  folders: ids,
  projects: ids,
  clusters: ids,
  namespaces: ids,
  services: ids,
});

export const scopeSchema = z.strictObject({ include: scopeSetSchema.optional(), exclude: scopeSetSchema.optional() });

export type ScopeSet = z.infer<typeof scopeSetSchema>;
export type Scope = z.infer<typeof scopeSchema>;

type Dimension = keyof ScopeSet;

/** The finding's values per dimension; a dimension it has no value for matches no list. */
function valuesOf(finding: Finding): Record<Dimension, string[]> {
  const { subject, ancestry } = finding;
  return {
    organizations: ancestry.organization ? [ancestry.organization] : [],
    folders: ancestry.folders,
    projects: [subject.projectId, ...(subject.projectNumber ? [subject.projectNumber] : [])],
    clusters: subject.runtime === 'gke' ? [subject.cluster] : [],
    namespaces: subject.runtime === 'gke' ? [subject.namespace] : [],
    services: subject.runtime === 'cloud-run' ? [subject.service ?? subject.job ?? ''].filter(Boolean) : [],
  };
}

const normalize = (entry: string) => entry.trim().replace(/^(organizations|folders|projects)\//, '');

/** Why the finding is out of scope, or undefined when it may start a case. */
export function outOfScope(finding: Finding, scope: Scope | undefined): string | undefined {
  if (!scope) return undefined;
  const values = valuesOf(finding);
  for (const [dimension, list] of Object.entries(scope.include ?? {}) as [Dimension, string[] | undefined][]) {
    if (!list || list.length === 0) continue;
    const allowed = new Set(list.map(normalize));
    if (!values[dimension].some((value) => allowed.has(value))) {
      return `not in the included ${dimension} (${values[dimension].join(', ') || 'none on the finding'} is not one of ${[...allowed].join(', ')})`;
    }
  }
  for (const [dimension, list] of Object.entries(scope.exclude ?? {}) as [Dimension, string[] | undefined][]) {
    const excluded = new Set((list ?? []).map(normalize));
    const hit = values[dimension].find((value) => excluded.has(value));
    if (hit) return `${dimension.replace(/s$/, '')} ${hit} is excluded`;
  }
  return undefined;
}
