import { genericPlaybook, playbookFor, playbookIds, playbooks } from './categories';

test('the four runbook categories, each with its MITRE techniques as the runbook names them', () => {
  expect(Object.fromEntries(playbooks.map((p) => [p.id, p.mitre.map((t) => t.id)]))).toEqual({
    'launch-code-compiler-tool': ['T1027.004'],
    'malicious-script-executed': ['T1059.004', 'T1105'],
    'added-binary-executed': ['T1105', 'T1106'],
    'netcat-remote-code-execution': ['T1059.004'],
  });
});

test.each([
  ['Added Binary Executed', 'added-binary-executed'],
  ['Execution: Added Binary Executed', 'added-binary-executed'],
  ['Malicious Script Executed', 'malicious-script-executed'],
  ['Execution: Malicious Script Executed', 'malicious-script-executed'],
  ['Defense Evasion: Launch Code Compiler Tool In Container', 'launch-code-compiler-tool'],
  ['Execution: Netcat Remote Code Execution In Container', 'netcat-remote-code-execution'],
  ['  execution:   netcat remote code execution in container ', 'netcat-remote-code-execution'],
])('%j is found as emitted', (category, id) => {
  expect(playbookFor(category).id).toBe(id);
});

test.each(['Added Malicious Binary Executed', 'Reverse Shell', 'Execution: Added Binary', ''])('%j falls back to the generic playbook', (category) => {
  const playbook = playbookFor(category);
  expect(playbook).toBe(genericPlaybook);
  expect(playbook.generic).toBe(true);
});

test('every playbook collects the script where the category carries one, and the binary on GKE', () => {
  expect(playbookFor('Malicious Script Executed').evidence.gke).toContain('script');
  expect(playbookFor('Malicious Script Executed').evidence['cloud-run']).toContain('script');
  for (const playbook of playbooks) {
    expect(playbook.evidence.gke).toEqual(expect.arrayContaining(['related-findings', 'pod-logs', 'cluster-audit-logs', 'node-logs', 'executed-binary']));
    expect(playbook.evidence['cloud-run']).not.toContain('executed-binary');
    // Replacing the pod is always in the response, alone or as the fallback of preserving it.
    expect(playbook.defaultResponse.gke.flat()).toContain('replace-pod');
    expect(playbook.ifIntended).toMatch(/rebuild the image/);
  }
});

test('a reverse shell gets the hands-on-keyboard response: preserve the pod where possible, cordon the node, delete the Cloud Run revision after its traffic moved', () => {
  const netcat = playbookFor('Execution: Netcat Remote Code Execution In Container');
  expect(netcat.defaultResponse.gke).toEqual(['notify-owner', ['preserve-then-replace-pod', 'replace-pod'], 'cordon-node', 'revoke-workload-identity']);
  expect(netcat.defaultResponse['cloud-run']).toEqual(['notify-owner', 'shift-traffic-to-previous-revision', 'delete-revision', 'disable-service-account']);
});

test('the catalog has a playbook for every playbook ID, and no other (the generic one for unknown categories)', () => {
  expect([...playbooks, genericPlaybook].map((p) => p.id).sort()).toEqual([...playbookIds].sort());
});
