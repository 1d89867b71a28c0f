import { nameRules, type NameRuleId } from '../findings/names';
import { InvalidTargetError, type CloudErrorContext } from './errors';

/**
 * Names reach URLs (the Kubernetes client does not even escape them in its exec URL) and filter
 * strings: each is checked against its naming rule before a request is built.
 */
export function checkName(rule: NameRuleId, value: string, what: string, context: Omit<CloudErrorContext, 'target'>): string {
  if (typeof value !== 'string' || !nameRules[rule].test(value)) {
    throw new InvalidTargetError({ ...context, target: JSON.stringify(String(value)).slice(0, 120) }, undefined, `${what} is not ${nameRules[rule].description}; no request was made`);
  }
  return value;
}

/** A string for a double-quoted literal in an SCC or Logging filter. */
export function quoteFilterValue(value: string): string {
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}
