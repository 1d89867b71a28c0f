import type { Client } from '@temporalio/client';
import type { CaseStore } from '../cases/case-store';
import { loadConfig, type Config } from '../config/config';
import { connectClient, openCaseStore } from '../worker/runtime';

/** What case commands need, opened on first use and closed once. */
export class CliContext {
  private loaded?: Config;
  private openedStore?: Promise<CaseStore>;
  private openedClient?: Promise<Client>;

  constructor(private readonly env: NodeJS.ProcessEnv = process.env) {}

  get config(): Config {
    return (this.loaded ??= loadConfig(this.env));
  }

  store(): Promise<CaseStore> {
    return (this.openedStore ??= openCaseStore(this.config));
  }

  client(): Promise<Client> {
    return (this.openedClient ??= connectClient(this.config));
  }

  async close(): Promise<void> {
    if (this.openedStore) await (await this.openedStore).db.close();
    if (this.openedClient) await (await this.openedClient).connection.close();
  }
}
