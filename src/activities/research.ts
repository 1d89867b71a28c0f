import { Context } from '@temporalio/activity';
import { playbookFor } from '../findings/categories';
import type { Finding } from '../findings/model';
import { techniquesFor } from '../research/mitre';
import type { VirusTotalVerdict } from '../cloud/virustotal';
import type { ActivityDeps } from './deps';
import { recordStepEvidence } from './evidence-event';
import { classified } from './failures';

/** Step 6: MITRE ATT&CK context and the VirusTotal verdict of every hash in the case. */
export function researchActivities({ store, virusTotal }: ActivityDeps) {
  return {
    async research(input: { caseId: string; findings: Finding[]; capturedSha256s: string[] }): Promise<{ summary: string }> {
      return classified(async () => {
        const ids = input.findings.flatMap((f) => playbookFor(f.category).mitre.map((t) => t.id));
        const sccNames = input.findings.flatMap((f) => [...(f.mitreAttack?.primaryTechniques ?? []), ...(f.mitreAttack?.additionalTechniques ?? [])]);
        const mitre = techniquesFor(ids, sccNames);
        const hashes = new Set<string>(input.capturedSha256s);
        for (const finding of input.findings) {
          for (const process of finding.processes) {
            if (process.binary?.sha256) hashes.add(process.binary.sha256);
            if (process.script?.sha256) hashes.add(process.script.sha256);
          }
        }
        const verdicts: VirusTotalVerdict[] = [];
        for (const sha256 of hashes) {
          Context.current().heartbeat(sha256);
          verdicts.push(await virusTotal.verdict(sha256));
        }
        await recordStepEvidence(store, input.caseId, 'research', { mitre, virusTotal: verdicts });
        const flagged = verdicts.filter((v) => v.status === 'found' && v.malicious > 0);
        const unknown = verdicts.filter((v) => v.status !== 'found');
        return {
          summary:
            `MITRE ${mitre.map((t) => t.id).join(', ') || 'none'}; VirusTotal: ${verdicts.length} hash(es), ${flagged.length} flagged malicious` +
            (flagged.length ? ` (${flagged.map((v) => `${v.sha256.slice(0, 12)}… ${v.status === 'found' ? v.malicious : 0} engines`).join(', ')})` : '') +
            (unknown.length ? `, ${unknown.length} without a verdict (unknown is not clean)` : ''),
        };
      });
    },
  };
}
