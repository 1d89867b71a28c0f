import type { Client } from '@temporalio/client';
import type { CaseStore } from '../cases/case-store';
import type { IngestDeps } from '../intake/ingest';
import { loadConfig, type Config } from '../config/config';
import { ResourceManagerAdapter } from '../cloud/resource-manager';
import { connectClient, openCaseStore } from '../worker/runtime';
import { startTracing, tracingFromEnv, type Tracing } from '../worker/tracing';

/** What case commands need, opened on first use and closed once. */
export class CliContext {
  private loaded?: Config;
  private openedStore?: Promise<CaseStore>;
  private openedClient?: Promise<Client>;
  private tracing?: Tracing;
  private openedResourceManager?: ResourceManagerAdapter;

  constructor(private readonly env: NodeJS.ProcessEnv = process.env) {}

  get config(): Config {
    return (this.loaded ??= loadConfig(this.env));
  }

  store(): Promise<CaseStore> {
    return (this.openedStore ??= openCaseStore(this.config));
  }

  client(): Promise<Client> {
    // Intake starts the trace that a case's workflow and activities continue; a decision (CLI or console) starts its own.
    this.tracing ??= startTracing(tracingFromEnv(this.env, 'scc-responder', this.config.tracing));
    return (this.openedClient ??= connectClient(this.config, this.tracing.clientInterceptors));
  }

  /** What intake needs, from the configuration: every way in (ingest, pull, push, poll) uses the same. */
  async ingestDeps(): Promise<IngestDeps> {
    const { config } = this;
    return {
      client: await this.client(),
      store: await this.store(),
      taskQueue: config.temporal.taskQueue,
      policy: config.policy,
      workflowIdPrefix: config.temporal.workflowIdPrefix,
      ...(config.scope ? { scope: config.scope } : {}),
      resolveProjectId: (projectNumber) => this.resourceManager().projectId(projectNumber),
    };
  }

  private resourceManager(): ResourceManagerAdapter {
    return (this.openedResourceManager ??= new ResourceManagerAdapter(this.config.cloud));
  }

  async close(): Promise<void> {
    if (this.openedStore) await (await this.openedStore).db.close();
    if (this.openedClient) await (await this.openedClient).connection.close();
    await this.tracing?.shutdown();
    await this.openedResourceManager?.close();
  }
}
