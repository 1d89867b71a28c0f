import { iam_v1 } from '@googleapis/iam';
import { GoogleAuth } from 'google-auth-library';
import { cloudCall as call } from './call';
import { googleClientOptions, requestTimeoutOf, type CloudTarget } from './config';
import { fromGoogleError, PermanentCloudError, TransientCloudError, type CloudError, type CloudErrorContext } from './errors';
import { checkName } from './validate';

/**
 * IAM v1 service accounts through Google's generated client (@googleapis/iam): the account, its
 * own IAM policy (who may act as it), and disable/enable. Identity cutting reads, then writes with
 * the policy's etag, so a change made meanwhile is refused by IAM instead of overwritten.
 */

export interface ServiceAccountInfo {
  email: string;
  projectId: string;
  uniqueId: string;
  disabled: boolean;
}

export interface IamBinding {
  role: string;
  members: string[];
}

export interface IamPolicy {
  etag: string;
  version: number;
  bindings: IamBinding[];
}

export class IamAdapter {
  private readonly client: iam_v1.Iam;
  private readonly deadlineMs: number;

  constructor(target: CloudTarget) {
    this.deadlineMs = requestTimeoutOf(target);
    // The generated client pins its own google-auth-library; the credentials are the same kind of object.
    this.client =
      target.mode === 'lab'
        ? new iam_v1.Iam({ rootUrl: `${target.url}/`, auth: googleClientOptions(target).authClient as never })
        : new iam_v1.Iam({ auth: new GoogleAuth({ scopes: ['https://www.googleapis.com/auth/cloud-platform'] }) as never });
  }

  async getServiceAccount(email: string): Promise<ServiceAccountInfo> {
    const context = this.context('serviceAccounts.get', email);
    const { data } = await cloudCall(context, this.deadlineMs, () => this.client.projects.serviceAccounts.get({ name: resource(email) }, { timeout: this.deadlineMs }));
    if (typeof data !== 'object' || data === null || typeof data.email !== 'string') throw notIams(context, data);
    return { email: data.email ?? email, projectId: data.projectId ?? '', uniqueId: data.uniqueId ?? '', disabled: data.disabled === true };
  }

  async getPolicy(email: string): Promise<IamPolicy> {
    const context = this.context('serviceAccounts.getIamPolicy', email);
    const { data } = await cloudCall(context, this.deadlineMs, () => this.client.projects.serviceAccounts.getIamPolicy({ resource: resource(email) }, { timeout: this.deadlineMs }));
    // Without its etag a policy cannot be written back safely: an answer without one is not IAM's.
    if (typeof data !== 'object' || data === null || typeof data.etag !== 'string') throw notIams(context, data);
    return policyOf(data);
  }

  /** Writes the policy as read at `policy.etag`; IAM refuses it (ABORTED) when the policy changed since. */
  async setPolicy(email: string, policy: IamPolicy): Promise<IamPolicy> {
    const context = this.context('serviceAccounts.setIamPolicy', email);
    const { data } = await cloudCall(context, this.deadlineMs, () =>
      this.client.projects.serviceAccounts.setIamPolicy(
        { resource: resource(email), requestBody: { policy: { version: policy.version, etag: policy.etag, bindings: policy.bindings.filter((b) => b.members.length > 0) } } },
        { timeout: this.deadlineMs },
      ),
    );
    return policyOf(data);
  }

  async setDisabled(email: string, disabled: boolean): Promise<void> {
    const context = this.context(disabled ? 'serviceAccounts.disable' : 'serviceAccounts.enable', email);
    await cloudCall(context, this.deadlineMs, () =>
      disabled
        ? this.client.projects.serviceAccounts.disable({ name: resource(email), requestBody: {} }, { timeout: this.deadlineMs })
        : this.client.projects.serviceAccounts.enable({ name: resource(email), requestBody: {} }, { timeout: this.deadlineMs }),
    );
  }

  private context(operation: string, email: string) {
    const context: CloudErrorContext = { service: 'iam', operation, target: email };
    checkName('serviceAccountEmail', email, 'the service account', context);
    return context;
  }
}

/** The client hands back a body it could not parse as text: a failure to retry, never an empty account or policy. */
function notIams(context: CloudErrorContext, data: unknown): CloudError {
  return new TransientCloudError(context, undefined, `the answer is not IAM's JSON: ${JSON.stringify(String(typeof data === 'string' ? data : JSON.stringify(data)).slice(0, 80))}`);
}

/** IAM's REST errors carry their status name (ABORTED for a stale etag) in the body, not the message. */
function fromIamError(error: unknown, context: CloudErrorContext): CloudError {
  const classified = fromGoogleError(error, context);
  const body = (error as { response?: { data?: { error?: { status?: string; message?: string } } } } | undefined)?.response?.data?.error;
  if (!body?.status) return classified;
  const Class = classified.retryable ? TransientCloudError : PermanentCloudError;
  return new Class(context, body.status, body.message ?? classified.message, { cause: error });
}

function cloudCall<T>(context: CloudErrorContext, deadlineMs: number, request: () => Promise<T>): Promise<T> {
  return call(context, deadlineMs, request, fromIamError);
}

/** The project part is "-": IAM finds the account by its e-mail in whichever project holds it. */
function resource(email: string): string {
  return `projects/-/serviceAccounts/${email}`;
}

function policyOf(data: iam_v1.Schema$Policy): IamPolicy {
  return {
    etag: data.etag ?? '',
    version: data.version ?? 1,
    bindings: (data.bindings ?? []).map((b) => ({ role: b.role ?? '', members: [...(b.members ?? [])] })),
  };
}
