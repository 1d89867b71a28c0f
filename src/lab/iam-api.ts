import { createHash } from 'node:crypto';
import type { Router } from './http';
import { HttpError, googleError, json, readJson } from './http';
import type { Scenario } from './scenario';

/**
 * IAM v1 service accounts as the workers' identity cutting uses them: get, getIamPolicy,
 * setIamPolicy (read-modify-write: a stale etag is refused as concurrent change), disable and
 * enable. Everything else is not found.
 */

interface StoredAccount {
  email: string;
  projectId: string;
  uniqueId: string;
  disabled: boolean;
  bindings: { role: string; members: string[] }[];
  /** Writes so far: the etag follows it, so a lab started again on the same scenario serves the same etags. */
  version: number;
  etag: string;
}

export class IamApi {
  readonly accounts = new Map<string, StoredAccount>();

  constructor(scenario: Scenario) {
    for (const account of scenario.serviceAccounts) {
      this.accounts.set(account.email, {
        email: account.email,
        projectId: account.email.split('@')[1]!.split('.')[0]!,
        uniqueId: BigInt(`0x${createHash('sha256').update(account.email).digest('hex').slice(0, 15)}`).toString(),
        disabled: account.disabled,
        bindings: account.bindings.map((b) => ({ role: b.role, members: [...b.members] })),
        version: 0,
        etag: etag(account.email, 0),
      });
    }
  }

  routes(router: Router): void {
    const account = '^/v1/projects/([^/]+)/serviceAccounts/([^/:]+)';
    router.on('GET', new RegExp(`${account}$`), (_request, [project, email]) => json(200, this.resource(this.find(project!, email!))));
    router.on('POST', new RegExp(`${account}:getIamPolicy$`), (_request, [project, email]) => json(200, policyOf(this.find(project!, email!))));
    router.on('POST', new RegExp(`${account}:setIamPolicy$`), (request, [project, email]) => {
      const stored = this.find(project!, email!);
      const body = readJson(request) as { policy?: { bindings?: { role?: string; members?: string[] }[]; etag?: string } };
      const policy = body.policy;
      if (!policy) throw new HttpError(googleError(400, 'Request contains an invalid argument: policy is required.'));
      // Read-modify-write: a policy written from an older read is somebody else's change lost.
      if (policy.etag !== undefined && policy.etag !== stored.etag) {
        throw new HttpError(googleError(409, 'There were concurrent policy changes. Please retry the whole read-modify-write with exponential backoff.'));
      }
      stored.bindings = (policy.bindings ?? []).filter((b) => b.role && (b.members ?? []).length > 0).map((b) => ({ role: b.role!, members: [...new Set(b.members!)] }));
      stored.version += 1;
      stored.etag = etag(stored.email, stored.version);
      return json(200, policyOf(stored));
    });
    for (const verb of ['disable', 'enable'] as const) {
      router.on('POST', new RegExp(`${account}:${verb}$`), (_request, [project, email]) => {
        this.find(project!, email!).disabled = verb === 'disable';
        return json(200, {});
      });
    }
  }

  private find(project: string, email: string): StoredAccount {
    const stored = this.accounts.get(email);
    if (!stored || (project !== '-' && project !== stored.projectId)) {
      throw new HttpError(googleError(404, `Not found; Gaia id not found for email ${email}`));
    }
    return stored;
  }

  private resource(stored: StoredAccount) {
    return {
      name: `projects/${stored.projectId}/serviceAccounts/${stored.email}`,
      projectId: stored.projectId,
      uniqueId: stored.uniqueId,
      email: stored.email,
      displayName: stored.email.split('@')[0],
      etag: 'MDEwMjE5MjA=',
      oauth2ClientId: stored.uniqueId,
      ...(stored.disabled ? { disabled: true } : {}),
    };
  }
}

function policyOf(stored: StoredAccount) {
  return { version: 1, etag: stored.etag, ...(stored.bindings.length ? { bindings: stored.bindings } : {}) };
}

function etag(email: string, version: number): string {
  return Buffer.from(createHash('sha256').update(`${email}#${version}`).digest('hex').slice(0, 8)).toString('base64');
}
