/**
 * The filter language shared, in its common subset, by Cloud Logging and Security Command
 * Center: comparisons joined by AND / OR / NOT with parentheses, quoted strings, and bare text
 * (a "global restriction" that matches anywhere in the record).
 */

export type FilterNode =
  | { kind: 'and' | 'or'; terms: FilterNode[] }
  | { kind: 'not'; term: FilterNode }
  | { kind: 'compare'; field: string; op: Operator; value: string }
  | { kind: 'text'; value: string }
  | { kind: 'all' };

type Operator = '=' | '!=' | '>' | '>=' | '<' | '<=' | ':';

export class FilterError extends Error {}

type Token = { type: 'string' | 'word' | 'op' | '(' | ')'; text: string };

function tokenize(filter: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < filter.length) {
    const char = filter[i]!;
    if (/\s/.test(char)) {
      i++;
    } else if (char === '"') {
      let text = '';
      i++;
      while (i < filter.length && filter[i] !== '"') {
        if (filter[i] === '\\' && i + 1 < filter.length) i++;
        text += filter[i++];
      }
      if (i >= filter.length) throw new FilterError('unterminated string');
      i++;
      tokens.push({ type: 'string', text });
    } else if (char === '(' || char === ')') {
      tokens.push({ type: char, text: char });
      i++;
    } else if (/[<>!=:]/.test(char)) {
      const two = filter.slice(i, i + 2);
      const op = ['>=', '<=', '!='].includes(two) ? two : char;
      if (op === '!') throw new FilterError(`unexpected "!" at ${i}`);
      tokens.push({ type: 'op', text: op });
      i += op.length;
    } else {
      const match = /^[^\s()"<>!=:]+/.exec(filter.slice(i))!;
      tokens.push({ type: 'word', text: match[0] });
      i += match[0].length;
    }
  }
  return tokens;
}

export function parseFilter(filter: string): FilterNode {
  const tokens = tokenize(filter);
  if (tokens.length === 0) return { kind: 'all' };
  let position = 0;
  const peek = () => tokens[position];
  const isWord = (word: string) => peek()?.type === 'word' && peek()!.text === word;

  function orExpression(): FilterNode {
    const terms = [andExpression()];
    while (isWord('OR')) {
      position++;
      terms.push(andExpression());
    }
    return terms.length === 1 ? terms[0]! : { kind: 'or', terms };
  }

  function andExpression(): FilterNode {
    const terms = [unary()];
    // Juxtaposition is an implicit AND, as in both APIs.
    while (peek() && peek()!.type !== ')' && !isWord('OR')) {
      if (isWord('AND')) position++;
      terms.push(unary());
    }
    return terms.length === 1 ? terms[0]! : { kind: 'and', terms };
  }

  function unary(): FilterNode {
    if (isWord('NOT') || (peek()?.type === 'word' && peek()!.text === '-')) {
      position++;
      return { kind: 'not', term: unary() };
    }
    const token = tokens[position++];
    if (!token) throw new FilterError('unexpected end of filter');
    if (token.type === '(') {
      const inner = orExpression();
      if (tokens[position++]?.type !== ')') throw new FilterError('missing ")"');
      return inner;
    }
    if (token.type === 'op' || token.type === ')') throw new FilterError(`unexpected "${token.text}"`);
    const next = peek();
    if (token.type === 'word' && next?.type === 'op') {
      position++;
      const value = tokens[position++];
      if (!value || (value.type !== 'string' && value.type !== 'word')) throw new FilterError(`missing value after ${token.text} ${next.text}`);
      return { kind: 'compare', field: token.text, op: next.text as Operator, value: value.text };
    }
    return { kind: 'text', value: token.text };
  }

  const node = orExpression();
  if (position < tokens.length) throw new FilterError(`unexpected "${tokens[position]!.text}"`);
  return node;
}

export interface FilterTarget {
  /** Values at a field path (none when absent). */
  field(path: string): unknown[];
  /** All the record's text, for global restrictions. */
  text(): string;
  /** How to order values of this field, when they are not plain strings. */
  order?(path: string, value: string): number | undefined;
}

export function matches(node: FilterNode, target: FilterTarget): boolean {
  switch (node.kind) {
    case 'all':
      return true;
    case 'and':
      return node.terms.every((term) => matches(term, target));
    case 'or':
      return node.terms.some((term) => matches(term, target));
    case 'not':
      return !matches(node.term, target);
    case 'text':
      return target.text().toLowerCase().includes(node.value.toLowerCase());
    case 'compare': {
      const values = target.field(node.field);
      if (node.op === '!=') return values.every((value) => !equal(value, node.value));
      return values.some((value) => compare(value, node, target));
    }
  }
}

function equal(value: unknown, expected: string): boolean {
  return String(value) === expected;
}

function compare(value: unknown, node: { field: string; op: Operator; value: string }, target: FilterTarget): boolean {
  if (node.op === '=') return equal(value, node.value);
  if (node.op === ':') return typeof value === 'string' ? value.toLowerCase().includes(node.value.toLowerCase()) : equal(value, node.value);
  const left = target.order?.(node.field, String(value)) ?? Number(value);
  const right = target.order?.(node.field, node.value) ?? Number(node.value);
  if (Number.isNaN(left) || Number.isNaN(right)) return false;
  switch (node.op) {
    case '>':
      return left > right;
    case '>=':
      return left >= right;
    case '<':
      return left < right;
    case '<=':
      return left <= right;
  }
  return false;
}

/** Values at a dotted path in a JSON record, descending through arrays. */
export function valuesAt(record: unknown, path: string[]): unknown[] {
  if (path.length === 0) return record === undefined ? [] : Array.isArray(record) ? record : [record];
  if (Array.isArray(record)) return record.flatMap((item) => valuesAt(item, path));
  if (typeof record !== 'object' || record === null) return [];
  return valuesAt((record as Record<string, unknown>)[path[0]!], path.slice(1));
}
