import type { FilterError} from './filter';
import { matches, parseFilter, valuesAt } from './filter';
import type { Router} from './http';
import { HttpError, googleError, json, readJson, type LabRequest } from './http';
import { page } from './paging';
import type { Scenario } from './scenario';

/** Cloud Logging v2 entries:list, with the filter language and the timestamp ordering. */

const severityOrder = ['DEFAULT', 'DEBUG', 'INFO', 'NOTICE', 'WARNING', 'ERROR', 'CRITICAL', 'ALERT', 'EMERGENCY'];

type Entry = Record<string, unknown>;

export class LoggingApi {
  private readonly entries: Entry[];

  constructor(scenario: Scenario) {
    this.entries = scenario.logs.map((entry, index) => ({ insertId: `lab-${index.toString(36).padStart(6, '0')}`, receiveTimestamp: entry.timestamp, ...structuredClone(entry) }));
  }

  routes(router: Router): void {
    router.on('POST', /^\/v2\/entries:list$/, (request) => this.list(request));
  }

  private list(request: LabRequest) {
    const body = readJson(request) as { resourceNames?: string[]; filter?: string; orderBy?: string; pageSize?: number; pageToken?: string };
    const projects = (body.resourceNames ?? []).map((name) => /^projects\/([^/]+)$/.exec(name)?.[1]);
    if (projects.length === 0 || projects.some((project) => !project)) {
      throw new HttpError(googleError(400, 'resourceNames must name projects (projects/PROJECT_ID)'));
    }
    let filter;
    try {
      filter = parseFilter(body.filter ?? '');
    } catch (error) {
      throw new HttpError(googleError(400, `Unparseable filter: ${(error as FilterError).message}`));
    }
    const descending = (body.orderBy ?? 'timestamp asc').trim().toLowerCase() === 'timestamp desc';
    const selected = this.entries
      .filter((entry) => projects.includes(String(entry.logName).split('/')[1]))
      .filter((entry) =>
        matches(filter, {
          field: (path) => valuesAt(entry, path.split('.')),
          text: () => JSON.stringify(entry),
          order: (path, value) => (path === 'timestamp' ? Date.parse(value) : path === 'severity' ? severityOrder.indexOf(value.toUpperCase()) : undefined),
        }),
      )
      .sort((a, b) => (Date.parse(String(a.timestamp)) - Date.parse(String(b.timestamp))) * (descending ? -1 : 1));
    const { items, nextPageToken } = page(selected, body.pageSize, body.pageToken, 1000);
    return json(200, { entries: items, ...(nextPageToken ? { nextPageToken } : {}) });
  }
}
