import { parseFindingObject } from '../findings/parse';
import { loadScenario } from '../lab/scenario';
import { indicatorsOf } from './research';

const scenario = loadScenario();
const finding = (category: string) => parseFindingObject(scenario.findings.find((f) => f.finding.category === category)!).finding;

test('the peers the processes talked to come first, then the finding’s IPs, domains and the hosts of its URIs, each once', () => {
  const script = finding('Execution: Malicious Script Executed');
  expect(indicatorsOf([script], ['198.51.100.23', '203.0.113.77'])).toEqual([
    { kind: 'ip', value: '198.51.100.23' },
    { kind: 'ip', value: '203.0.113.77' },
    { kind: 'domain', value: 'pool.bad.example' },
  ]);
});

test('what a finding carries is untrusted: only addresses and domain names are kept, never paths, schemes or spaces, and at most twenty', () => {
  const base = finding('Execution: Malicious Script Executed');
  const hostile = {
    ...base,
    indicators: {
      ipAddresses: ['203.0.113.9/../../files/abc', '::1', '2001:db8::5', ...Array.from({ length: 30 }, (_, i) => `192.0.2.${i + 1}`)],
      domains: ['evil.example/../../files', 'bad domain.example', 'ok.example'],
      uris: ['javascript:alert(1)', 'http://[2001:db8::7]:8080/x', 'not a uri', 'https://Stage2.Example/payload'],
    },
  };
  const out = indicatorsOf([hostile], []);
  expect(out.slice(0, 3)).toEqual([
    { kind: 'ip', value: '2001:db8::5' },
    { kind: 'ip', value: '192.0.2.1' },
    { kind: 'ip', value: '192.0.2.2' },
  ]);
  expect(out.some((i) => i.value === '::1')).toBe(false);
  expect(out).toHaveLength(20);
  expect(out.every((i) => !/[/\s]/.test(i.value))).toBe(true);
});
