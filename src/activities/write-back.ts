import type { ActivityDeps } from './deps';
import { classified } from './failures';

/**
 * Tells SCC what became of its findings: a security mark with the case ID and status on each,
 * state INACTIVE once contained, and mute when the case closed as a false positive.
 */
export function writeBackActivities({ clients, store }: ActivityDeps) {
  return {
    async writeBackToScc(input: { caseId: string; findingNames: string[]; status: string; resolved: boolean; falsePositive: boolean }): Promise<{ summary: string }> {
      return classified(async () => {
        for (const name of input.findingNames) {
          await clients.scc.updateMarks(name, { scc_responder_case: input.caseId.replace(/-/g, '_'), scc_responder_status: input.status.replace(/-/g, '_') });
          if (input.resolved) await clients.scc.setState(name, 'INACTIVE');
          if (input.falsePositive) await clients.scc.setMute(name, 'MUTED');
        }
        const done = [`marked ${input.status}`, ...(input.resolved ? ['set INACTIVE'] : []), ...(input.falsePositive ? ['muted'] : [])].join(', ');
        await store.addEvent(input.caseId, { key: `scc-write-back:${input.status}`, at: new Date().toISOString(), kind: 'scc-write-back', outcome: input.status, detail: { findings: input.findingNames, done } });
        return { summary: `${input.findingNames.length} finding(s) ${done}` };
      });
    },
  };
}
