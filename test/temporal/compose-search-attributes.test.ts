import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { allSearchAttributeKeys } from '../../src/workflows/search-attributes';

const typeNames = { KEYWORD: 'Keyword', KEYWORD_LIST: 'KeywordList' } as Record<string, string>;

test('docker-compose registers exactly the search attributes the workflows define', () => {
  const compose = parse(readFileSync(join(__dirname, '../../docker-compose.yml'), 'utf8'));
  const script: string = compose.services['register-search-attributes'].command[0];
  const registered = [...script.matchAll(/(Scc\w+):(\w+)/g)].map(([, name, type]) => `${name}:${type}`).sort();
  const defined = allSearchAttributeKeys.map((key) => `${key.name}:${typeNames[key.type]}`).sort();
  expect(registered).toEqual(defined);
});
