import type { Config } from './config';
import { parseTrustedKey } from './trusted-key';
import type { DecisionRules } from '../workflows/shared';
import type { TrustedKey } from '../workflows/signed-decision';

/**
 * The keys this configuration trusts. Retired keys verify what they signed (`case verify`) but no
 * new decision; workers trust the others.
 */
export function configuredKeys(config: Pick<Config, 'decisionAuthority'>, { withRetired = false } = {}): TrustedKey[] {
  return config.decisionAuthority.keys.filter((k) => withRetired || !k.retired).map((k, i) => {
    try {
      return parseTrustedKey(k.publicKey);
    } catch (error) {
      throw new Error(`decisionAuthority.keys[${i}]: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
    }
  });
}

/** What a worker holds every case's decisions to, from its own configuration. */
export function decisionRulesFor(config: Pick<Config, 'decisionAuthority' | 'policy'>): DecisionRules {
  return { keys: configuredKeys(config), fourEyes: config.policy.fourEyes, autoContain: config.policy.autoContain };
}
