import { isIP } from 'node:net';
import { Context } from '@temporalio/activity';
import { playbookFor } from '../findings/categories';
import type { Finding } from '../findings/model';
import { techniquesFor } from '../research/mitre';
import { isIndicator, type Indicator, type IndicatorVerdict, type VirusTotalVerdict } from '../cloud/virustotal';
import type { ActivityDeps } from './deps';
import { stepEvidence, type StepEvidence } from './evidence-event';
import { classified } from './failures';
import { isRemotePeer } from '../forensics/procfs';

/** Step 6: MITRE ATT&CK context, and VirusTotal's verdict on every hash, peer address and indicator in the case. */
export function researchActivities({ virusTotal }: ActivityDeps) {
  return {
    async research(input: { caseId: string; findings: Finding[]; capturedSha256s: string[]; remoteAddresses?: string[] }): Promise<{ summary: string; flagged: string[] } & StepEvidence> {
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
        const indicators: IndicatorVerdict[] = [];
        for (const indicator of indicatorsOf(input.findings, input.remoteAddresses ?? [])) {
          Context.current().heartbeat(indicator.value);
          indicators.push(await virusTotal.indicator(indicator));
        }
        const flagged = verdicts.filter((v) => v.status === 'found' && v.malicious > 0);
        const unknown = verdicts.filter((v) => v.status !== 'found');
        const flaggedPeers = indicators.filter((v) => v.status === 'found' && v.malicious > 0);
        return {
          stepEvidence: stepEvidence('research', { mitre, virusTotal: verdicts, ...(indicators.length ? { virusTotalIndicators: indicators } : {}) }),
          // What the plan weighs: each hash and address engines called malicious, in words.
          flagged: [
            ...flagged.map((v) => `VirusTotal: ${v.status === 'found' ? v.malicious : 0} engine(s) flag sha256 ${v.sha256}`),
            ...flaggedPeers.map((v) => `VirusTotal: ${v.status === 'found' ? v.malicious : 0} engine(s) flag ${v.kind === 'ip' ? 'address' : 'domain'} ${v.value}`),
          ],
          summary:
            `MITRE ${mitre.map((t) => t.id).join(', ') || 'none'}; VirusTotal: ${verdicts.length} hash(es), ${flagged.length} flagged malicious` +
            (flagged.length ? ` (${flagged.map((v) => `${v.sha256.slice(0, 12)}… ${v.status === 'found' ? v.malicious : 0} engines`).join(', ')})` : '') +
            (unknown.length ? `, ${unknown.length} without a verdict (unknown is not clean)` : '') +
            (indicators.length
              ? `; ${indicators.length} address(es) and domain(s), ${flaggedPeers.length} flagged malicious` +
                (flaggedPeers.length ? ` (${flaggedPeers.map((v) => `${v.value} ${v.status === 'found' ? v.malicious : 0} engines`).join(', ')})` : '')
              : ''),
        };
      });
    },
  };
}

/** How many addresses and domains one case looks up at most: an indicator list is the finding's, and untrusted. */
const maxIndicators = 20;

/**
 * The peers the suspect processes talked to, then the findings' own IPs, domains and the hosts
 * of their URIs; each once, only what is a routable address or a domain name (never fetched).
 */
export function indicatorsOf(findings: Finding[], remoteAddresses: string[]): Indicator[] {
  const seen = new Set<string>();
  const out: Indicator[] = [];
  const add = (kind: Indicator['kind'], raw: string) => {
    const value = raw.trim().toLowerCase().replace(/^\[|\]$/g, '');
    const indicator: Indicator = { kind, value };
    if (seen.has(`${kind}:${value}`) || out.length >= maxIndicators || !isIndicator(indicator) || (kind === 'ip' && !isRemotePeer(value))) return;
    seen.add(`${kind}:${value}`);
    out.push(indicator);
  };
  for (const address of remoteAddresses) add('ip', address);
  for (const finding of findings) {
    for (const ip of finding.indicators.ipAddresses) add('ip', ip);
    for (const domain of finding.indicators.domains) add('domain', domain);
    for (const uri of finding.indicators.uris) {
      const host = hostOf(uri);
      if (host) add(isIP(host.replace(/^\[|\]$/g, '')) ? 'ip' : 'domain', host);
    }
  }
  return out;
}

function hostOf(uri: string): string | undefined {
  try {
    return new URL(uri).hostname || undefined;
  } catch {
    return undefined;
  }
}
