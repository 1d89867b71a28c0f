import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { loadConfig } from '../../src/config/config';
import { resolveTemporalCli } from '../../src/stack/temporal-cli';
import { allSearchAttributeKeys } from '../../src/workflows/search-attributes';

/**
 * docker-compose.yml, read as Compose reads it. No Docker engine runs here, so what is checked is
 * what can be without one: Temporal's current images at the release the suite's dev server runs,
 * the start order (schema, server, namespace and attributes, then the worker), the attributes
 * the workflows set, and an environment the processes accept. Whether the images start is not
 * checked here.
 */

interface Service { image?: string; depends_on?: Record<string, { condition: string }>; command?: string[]; environment?: Record<string, string> }
const compose = parse(readFileSync(join(__dirname, '../../docker-compose.yml'), 'utf8')) as { services: Record<string, Service> };
const typeNames = { KEYWORD: 'Keyword', KEYWORD_LIST: 'KeywordList' } as Record<string, string>;
/** `${NAME:-default}` as Compose substitutes it with NAME unset. */
const withDefaults = (text: string) => text.replace(/\$\{[A-Z_]+:-([^}]*)\}/g, '$1').replace(/\$\{[A-Z_]+\}/g, '');

test('docker-compose registers exactly the search attributes the workflows define', () => {
  const script = compose.services['register-search-attributes']!.command![0]!;
  const registered = [...script.matchAll(/(Scc\w+):(\w+)/g)].map(([, name, type]) => `${name}:${type}`).sort();
  const defined = allSearchAttributeKeys.map((key) => `${key.name}:${typeNames[key.type]}`).sort();
  expect(registered).toEqual(defined);
  // The server image creates no namespace: the same step does, before the attributes.
  expect(script.indexOf('namespace create --namespace default')).toBeGreaterThan(-1);
  expect(script.indexOf('namespace create')).toBeLessThan(script.indexOf('search-attribute create'));
});

test('Temporal runs on its current images, at the release of the suite’s own dev server', () => {
  const images = Object.values(compose.services).map((s) => withDefaults(s.image ?? '')).filter((i) => i.startsWith('temporalio/'));
  expect(images.filter((i) => i.startsWith('temporalio/auto-setup'))).toEqual([]);
  const version = execFileSync(resolveTemporalCli(), ['--version'], { encoding: 'utf8' });
  const [, server, ui] = /Server (\d+\.\d+\.\d+), UI (\d+\.\d+\.\d+)/.exec(version)!;
  expect([...new Set(images)].sort()).toEqual([`temporalio/admin-tools:${server}`, `temporalio/server:${server}`, `temporalio/ui:${ui}`]);
});

test('the start order: the schema before the server, the namespace and attributes before the worker', () => {
  const s = compose.services;
  expect(s['temporal-schema']!.depends_on).toEqual({ postgresql: { condition: 'service_healthy' } });
  expect(s.temporal!.depends_on).toEqual({ 'temporal-schema': { condition: 'service_completed_successfully' } });
  expect(s['register-search-attributes']!.depends_on).toEqual({ temporal: { condition: 'service_healthy' } });
  expect(s.worker!.depends_on).toMatchObject({ 'register-search-attributes': { condition: 'service_completed_successfully' } });
  // Both of Temporal's databases, each created, set up and brought to the release's schema.
  const schema = s['temporal-schema']!.command![0]!;
  expect(schema).toContain('temporal:temporal temporal_visibility:visibility');
  for (const step of ['create', 'setup-schema -v 0.0', 'update-schema']) expect(schema).toContain(step);
});

test('the worker’s environment is one the configuration accepts, on Temporal’s own variable names', () => {
  const environment = compose.services.worker!.environment!;
  const env: NodeJS.ProcessEnv = { SCC_DATA_DIR: mkdtempSync(join(tmpdir(), 'scc-compose-')), TEMPORAL_CONFIG_FILE: '/nonexistent/temporal.toml' };
  for (const [name, value] of Object.entries(environment)) {
    const substituted = withDefaults(String(value));
    if (substituted !== '') env[name] = substituted;
  }
  const config = loadConfig(env);
  expect(config.temporal.address).toBe('temporal:7233');
  expect(config.databaseUrl).toBe('postgres://scc:scc@case-store:5432/scc');
  expect(config.policy.dryRun).toBe(true);
});
