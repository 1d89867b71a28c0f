export * from './model';
export { FindingError } from './errors';
export { parseFinding, parseFindingObject } from './parse';
export { playbookFor, playbooks, genericPlaybook, type Playbook, type PlaybookId } from './categories';
export { nameRules, checkAbsolutePath } from './names';
export { intakeLimits } from './limits';
