import type { ActionModule } from './action';

/**
 * The actions a worker can plan and apply, keyed by the name each module declares: the names
 * playbooks and policies use, the permissions the deployment grants and the table in the docs
 * are all read from here, so adding an action is adding its module to the list it is built from.
 */
export interface ActionRegistry {
  readonly names: readonly string[];
  readonly modules: readonly ActionModule<unknown>[];
  has(name: string): boolean;
  /** The module for a name; throws, naming what is known, for a name no module declares. */
  get(name: string): ActionModule<unknown>;
  find(name: string): ActionModule<unknown> | undefined;
}

export function actionRegistry(modules: readonly ActionModule<unknown>[]): ActionRegistry {
  const byName = new Map<string, ActionModule<unknown>>();
  for (const module of modules) {
    if (!/^[a-z][a-z0-9-]*[a-z0-9]$/.test(module.name)) throw new Error(`action name "${module.name}" must be lower-case words joined by hyphens`);
    if (byName.has(module.name)) throw new Error(`two action modules declare the name "${module.name}"`);
    byName.set(module.name, module);
  }
  const names = [...byName.keys()];
  return {
    names,
    modules: [...byName.values()],
    has: (name) => byName.has(name),
    find: (name) => byName.get(name),
    get(name) {
      const module = byName.get(name);
      if (!module) throw new Error(`no action is named "${name}"; this worker knows ${names.join(', ')}`);
      return module;
    },
  };
}

type Steps = readonly (string | readonly string[])[];
interface StepsByRuntime {
  gke?: Steps;
  'cloud-run'?: Steps;
}

/** Response steps naming actions the registry does not hold, as "playbook runtime: name" (for a startup check). */
export function unknownActionsIn(responses: Record<string, (StepsByRuntime & { whenFlagged?: StepsByRuntime }) | undefined> | undefined, registry: ActionRegistry): string[] {
  const unknown: string[] = [];
  const check = (where: string, byRuntime: StepsByRuntime | undefined) => {
    for (const [runtime, steps] of Object.entries(byRuntime ?? {})) {
      for (const name of (steps ?? []).flat()) if (!registry.has(name)) unknown.push(`${where} ${runtime}: ${name}`);
    }
  };
  for (const [playbook, response] of Object.entries(responses ?? {})) {
    const { whenFlagged, ...byRuntime } = response ?? {};
    check(playbook, byRuntime);
    check(`${playbook} whenFlagged`, whenFlagged);
  }
  return unknown;
}
