import type { FilterError} from './filter';
import { matches, parseFilter, valuesAt } from './filter';
import type { Router} from './http';
import { HttpError, googleError, json, readJson, type LabRequest } from './http';
import { page } from './paging';
import type { Scenario } from './scenario';

/** Security Command Center v2: listFindings, setState, updateSecurityMarks. */

interface StoredFinding {
  finding: Record<string, unknown>;
  resource: Record<string, unknown>;
}

export class SccApi {
  private readonly findings: StoredFinding[];

  constructor(scenario: Scenario) {
    this.findings = scenario.findings.map((entry) => structuredClone(entry) as StoredFinding);
  }

  all(): readonly StoredFinding[] {
    return this.findings;
  }

  /** A finding SCC raised just now: what a poller should see on its next read. */
  add(entry: StoredFinding): void {
    this.findings.push(structuredClone(entry));
  }

  routes(router: Router): void {
    const parent = '((?:organizations|folders|projects)/[^/]+/sources/[^/]+(?:/locations/[^/]+)?)';
    const name = '((?:organizations|folders|projects)/[^/]+/sources/[^/]+(?:/locations/[^/]+)?/findings/[^/:]+)';
    router.on('GET', new RegExp(`^/v2/${parent}/findings$`), (request, [p]) => this.list(request, p!));
    router.on('POST', new RegExp(`^/v2/${name}:setState$`), (request, [n]) => this.setState(request, n!));
    router.on('PATCH', new RegExp(`^/v2/${name}/securityMarks$`), (request, [n]) => this.updateMarks(request, n!));
    router.on('POST', new RegExp(`^/v2/${name}:setMute$`), (request, [n]) => this.setMute(request, n!));
  }

  private list(request: LabRequest, parent: string) {
    const [scopeType, scopeId, , source, , location] = parent.split('/');
    let filter;
    try {
      filter = parseFilter(request.query.get('filter') ?? '');
    } catch (error) {
      throw new HttpError(googleError(400, `Invalid filter: ${(error as FilterError).message}`));
    }
    const results = this.findings.filter(({ finding, resource }) => {
      const [, , , findingSource] = String(finding.name).split('/');
      if (source !== '-' && findingSource !== source) return false;
      if (location && location !== '-' && !String(finding.name).includes(`/locations/${location}/`)) return false;
      if (scopeType === 'organizations' && !String(finding.name).startsWith(`organizations/${scopeId}/`)) return false;
      if (scopeType === 'projects' && !projectMatches(resource, scopeId!)) return false;
      return matches(filter, {
        field: (path) => fieldValues(finding, resource, path),
        text: () => JSON.stringify(finding),
        order: (path, value) => (/(^|\.)(event_time|create_time|eventTime|createTime)$/.test(path) ? timeOrder(value) : undefined),
      });
    });
    const { items, nextPageToken } = page(results, request.query.get('pageSize'), request.query.get('pageToken'), 1000);
    return json(200, {
      listFindingsResults: items.map(({ finding, resource }) => ({ finding, resource })),
      ...(nextPageToken ? { nextPageToken } : {}),
      totalSize: results.length,
    });
  }

  private find(name: string): StoredFinding {
    const wanted = v2Name(name);
    const found = this.findings.find(({ finding }) => v2Name(String(finding.name)) === wanted);
    if (!found) throw new HttpError(googleError(404, `Requested entity was not found.`));
    return found;
  }

  private setState(request: LabRequest, name: string) {
    const body = readJson(request) as { state?: string | number };
    // proto3 JSON allows an enum as its name or its number (REST clients send numbers).
    const state = typeof body.state === 'number' ? ['STATE_UNSPECIFIED', 'ACTIVE', 'INACTIVE'][body.state] : body.state;
    if (state !== 'ACTIVE' && state !== 'INACTIVE') throw new HttpError(googleError(400, `Invalid value for state: ${String(body.state)}`));
    const stored = this.find(name);
    stored.finding.state = state;
    return json(200, stored.finding);
  }

  private setMute(request: LabRequest, name: string) {
    const body = readJson(request) as { mute?: string | number };
    const mute = typeof body.mute === 'number' ? ['MUTE_UNSPECIFIED', 'MUTED', 'UNMUTED', 'UNDEFINED'][body.mute] : body.mute;
    if (mute !== 'MUTED' && mute !== 'UNMUTED') throw new HttpError(googleError(400, `Invalid value for mute: ${String(body.mute)}`));
    const stored = this.find(name);
    stored.finding.mute = mute;
    stored.finding.muteInitiator = 'scc-responder';
    return json(200, stored.finding);
  }

  private updateMarks(request: LabRequest, name: string) {
    const body = readJson(request) as { marks?: Record<string, string> };
    const stored = this.find(name);
    const current = (stored.finding.securityMarks as { marks?: Record<string, string> } | undefined)?.marks ?? {};
    const mask = request.query.get('updateMask');
    const marks = { ...current };
    const incoming = body.marks ?? {};
    // With a mask, only the named marks change (and a named mark absent from the body is removed).
    const keys = mask ? mask.split(',').map((path) => path.trim().replace(/^marks\./, '')) : Object.keys(incoming);
    for (const key of keys) {
      if (!/^[A-Za-z0-9_]{1,256}$/.test(key)) throw new HttpError(googleError(400, `Invalid security mark key: ${key}`));
      if (Object.hasOwn(incoming, key)) marks[key] = String(incoming[key]);
      else delete marks[key];
    }
    const securityMarks = { name: `${stored.finding.name as string}/securityMarks`, marks, canonicalName: `${stored.finding.name as string}/securityMarks` };
    stored.finding.securityMarks = securityMarks;
    return json(200, securityMarks);
  }
}

function v2Name(name: string): string {
  return name.includes('/locations/') ? name : name.replace('/findings/', '/locations/global/findings/');
}

function projectMatches(resource: Record<string, unknown>, project: string): boolean {
  const text = JSON.stringify(resource);
  return text.includes(`projects/${project}"`) || text.includes(`"${project}"`);
}

/** SCC filter fields are snake_case paths into the finding (resource.* into the resource). */
function fieldValues(finding: Record<string, unknown>, resource: Record<string, unknown>, path: string): unknown[] {
  const [head, ...rest] = path.split('.');
  const camel = (part: string) => part.replace(/_([a-z])/g, (_, letter: string) => letter.toUpperCase());
  if (head === 'resource') return valuesAt(resource, rest.map(camel));
  if (head === 'source_properties' || head === 'sourceProperties') return valuesAt(finding.sourceProperties, rest);
  if (head === 'security_marks' && rest[0] === 'marks') return valuesAt((finding.securityMarks as { marks?: unknown } | undefined)?.marks, rest.slice(1));
  return valuesAt(finding, [head!, ...rest].map(camel));
}

function timeOrder(value: string): number | undefined {
  if (/^\d+$/.test(value)) return Number(value);
  const millis = Date.parse(value);
  return Number.isNaN(millis) ? undefined : millis;
}
