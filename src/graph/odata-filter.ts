// Parser for the $filter subset Graph supports on these collections: comparisons (eq ne gt ge lt le),
// `in`, startswith(), and/or/not, parentheses, the lambda `path/any(x: …)` over a collection (users'
// authorizationInfo/certificateUserIds), and literals (strings with '' quoting, numbers, true, false,
// null, DateTimeOffset, enum values). Hand-written: the npm OData parsers reject `in`, `not(`,
// camel-case function names or bare dates (see ../shared/STACK.md §3). The output is a small typed AST
// with positions, which filter-translation.ts checks against the entity and turns into a store query.

export type Literal =
  | { readonly type: 'string'; readonly value: string }
  | { readonly type: 'number'; readonly value: number }
  | { readonly type: 'boolean'; readonly value: boolean }
  | { readonly type: 'null' }
  | { readonly type: 'datetime'; readonly value: number; readonly text: string }
  | { readonly type: 'enum'; readonly typeName: string; readonly value: string };

export type ComparisonOp = 'eq' | 'ne' | 'gt' | 'ge' | 'lt' | 'le';

export type FilterNode =
  | { readonly type: 'and' | 'or'; readonly left: FilterNode; readonly right: FilterNode }
  | { readonly type: 'not'; readonly operand: FilterNode }
  | { readonly type: 'compare'; readonly op: ComparisonOp; readonly property: string; readonly value: Literal; readonly position: number }
  | { readonly type: 'in'; readonly property: string; readonly values: readonly Literal[]; readonly position: number }
  | { readonly type: 'startswith'; readonly property: string; readonly value: Literal; readonly position: number }
  /** `collection/any(variable: predicate)`; inside the predicate the variable stands for one element. */
  | { readonly type: 'any'; readonly collection: string; readonly variable: string; readonly predicate: FilterNode; readonly position: number };

/** A syntax error, with the 1-based character position where it was found. */
export class FilterSyntaxError extends Error {
  constructor(
    message: string,
    readonly position: number,
  ) {
    super(message);
  }
}

/** Well-formed, but asks for something these collections do not support (a function, an operator). */
export class FilterUnsupportedError extends Error {}

type Token =
  | { readonly kind: 'punct'; readonly text: '(' | ')' | ',' | ':'; readonly at: number }
  | { readonly kind: 'word'; readonly text: string; readonly at: number }
  | { readonly kind: 'literal'; readonly literal: Literal; readonly at: number }
  | { readonly kind: 'end'; readonly at: number };

const COMPARISONS = new Set<string>(['eq', 'ne', 'gt', 'ge', 'lt', 'le']);
const UNSUPPORTED_OPERATORS = new Set(['has', 'add', 'sub', 'mul', 'div', 'divby', 'mod']);
const UNSUPPORTED_FUNCTIONS = new Set([
  'endswith', 'contains', 'substringof', 'indexof', 'length', 'substring', 'tolower', 'toupper', 'trim', 'concat',
  'year', 'month', 'day', 'hour', 'minute', 'second', 'date', 'time', 'now', 'round', 'floor', 'ceiling', 'cast', 'isof', 'any', 'all',
]);
const DATETIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,7})?)?(?:Z|[+-]\d{2}:\d{2})/;
const NUMBER = /^-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/;
/** A name, or a path of names joined by `/` (authorizationInfo/certificateUserIds/any). */
const WORD = /^[A-Za-z_][A-Za-z0-9_.]*(?:\/[A-Za-z_][A-Za-z0-9_.]*)*/;
/** Nesting deeper than this is refused, so a hostile filter cannot exhaust the stack. */
const MAX_DEPTH = 50;

export function parseFilter(text: string): FilterNode {
  const parser = new Parser(tokenize(text));
  const node = parser.expression(0);
  parser.expectEnd();
  return node;
}

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i] as string;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    const at = i + 1;
    if (c === '(' || c === ')' || c === ',' || c === ':') {
      tokens.push({ kind: 'punct', text: c, at });
      i++;
      continue;
    }
    if (c === "'") {
      const [value, end] = readString(text, i);
      tokens.push({ kind: 'literal', literal: { type: 'string', value }, at });
      i = end;
      continue;
    }
    const rest = text.slice(i);
    const date = DATETIME.exec(rest);
    if (date) {
      const value = Date.parse(date[0]);
      if (Number.isNaN(value)) throw new FilterSyntaxError(`'${date[0]}' is not a valid DateTimeOffset`, at);
      tokens.push({ kind: 'literal', literal: { type: 'datetime', value, text: date[0] }, at });
      i += date[0].length;
      continue;
    }
    const number = NUMBER.exec(rest);
    if (number) {
      tokens.push({ kind: 'literal', literal: { type: 'number', value: Number(number[0]) }, at });
      i += number[0].length;
      continue;
    }
    const word = WORD.exec(rest);
    if (word) {
      i += word[0].length;
      // A qualified name directly followed by a quoted string is an enum literal: ns.type'member'.
      if (text[i] === "'" && word[0].includes('.')) {
        const [value, end] = readString(text, i);
        tokens.push({ kind: 'literal', literal: { type: 'enum', typeName: word[0], value }, at });
        i = end;
      } else {
        tokens.push({ kind: 'word', text: word[0], at });
      }
      continue;
    }
    throw new FilterSyntaxError(`unexpected character '${c}'`, at);
  }
  tokens.push({ kind: 'end', at: text.length + 1 });
  return tokens;
}

/** Reads a quoted string starting at `start` (a quote); '' stands for one quote. Returns value and end. */
function readString(text: string, start: number): [string, number] {
  let value = '';
  let i = start + 1;
  for (;;) {
    const quote = text.indexOf("'", i);
    if (quote < 0) throw new FilterSyntaxError('unterminated string literal', start + 1);
    value += text.slice(i, quote);
    if (text[quote + 1] === "'") {
      value += "'";
      i = quote + 2;
    } else {
      return [value, quote + 1];
    }
  }
}

class Parser {
  private index = 0;

  constructor(private readonly tokens: Token[]) {}

  expression(depth: number): FilterNode {
    if (depth > MAX_DEPTH) throw new FilterSyntaxError(`the filter nests deeper than ${MAX_DEPTH} levels`, this.peek().at);
    let left = this.conjunction(depth);
    while (this.isWord('or')) {
      this.index++;
      left = { type: 'or', left, right: this.conjunction(depth) };
    }
    return left;
  }

  expectEnd(): void {
    const token = this.peek();
    if (token.kind !== 'end') throw new FilterSyntaxError(`unexpected ${describe(token)}; expected 'and', 'or' or the end`, token.at);
  }

  private conjunction(depth: number): FilterNode {
    let left = this.unary(depth);
    while (this.isWord('and')) {
      this.index++;
      left = { type: 'and', left, right: this.unary(depth) };
    }
    return left;
  }

  private unary(depth: number): FilterNode {
    if (depth > MAX_DEPTH) throw new FilterSyntaxError(`the filter nests deeper than ${MAX_DEPTH} levels`, this.peek().at);
    if (this.isWord('not')) {
      this.index++;
      return { type: 'not', operand: this.unary(depth + 1) };
    }
    return this.primary(depth);
  }

  private primary(depth: number): FilterNode {
    const token = this.next();
    if (token.kind === 'punct' && token.text === '(') {
      const inner = this.expression(depth + 1);
      this.expectPunct(')');
      return inner;
    }
    if (token.kind !== 'word') throw new FilterSyntaxError(`unexpected ${describe(token)}; expected a property, a function or '('`, token.at);
    const name = token.text;
    const slash = name.lastIndexOf('/');
    if (slash > 0 && this.isPunct('(')) return this.lambda(name.slice(0, slash), name.slice(slash + 1), token.at, depth);
    if (this.isPunct('(')) return this.functionCall(name, token.at);
    return this.comparison(name, token.at);
  }

  /** `collection/any(x: predicate)`; `all`, and `any()` without a predicate, are not supported. */
  private lambda(collection: string, operator: string, at: number, depth: number): FilterNode {
    const lower = operator.toLowerCase();
    if (lower === 'all') throw new FilterUnsupportedError(`The lambda operator 'all' is not supported in $filter; use 'any'.`);
    if (lower !== 'any') throw new FilterSyntaxError(`unknown function '${operator}' after '${collection}/'`, at);
    this.expectPunct('(');
    const variable = this.next();
    if (variable.kind === 'punct' && variable.text === ')') throw new FilterUnsupportedError(`'${collection}/any()' without a lambda expression is not supported.`);
    if (variable.kind !== 'word' || variable.text.includes('/')) {
      throw new FilterSyntaxError(`unexpected ${describe(variable)}; expected a lambda variable such as x`, variable.at);
    }
    this.expectPunct(':');
    const predicate = this.expression(depth + 1);
    this.expectPunct(')');
    return { type: 'any', collection, variable: variable.text, predicate, position: at };
  }

  private functionCall(name: string, at: number): FilterNode {
    const lower = name.toLowerCase();
    if (lower !== 'startswith') {
      if (UNSUPPORTED_FUNCTIONS.has(lower)) throw new FilterUnsupportedError(`The function '${name}' is not supported in $filter on this collection.`);
      throw new FilterSyntaxError(`unknown function '${name}'`, at);
    }
    this.expectPunct('(');
    const property = this.next();
    if (property.kind !== 'word') throw new FilterSyntaxError(`unexpected ${describe(property)}; expected a property name`, property.at);
    this.expectPunct(',');
    const value = this.literal();
    this.expectPunct(')');
    return { type: 'startswith', property: property.text, value, position: at };
  }

  private comparison(property: string, at: number): FilterNode {
    const operator = this.next();
    if (operator.kind !== 'word') throw new FilterSyntaxError(`unexpected ${describe(operator)}; expected an operator such as eq after '${property}'`, operator.at);
    const op = operator.text.toLowerCase();
    if (op === 'in') {
      this.expectPunct('(');
      const values = [this.literal()];
      while (this.isPunct(',')) {
        this.index++;
        values.push(this.literal());
      }
      this.expectPunct(')');
      return { type: 'in', property, values, position: at };
    }
    if (COMPARISONS.has(op)) return { type: 'compare', op: op as ComparisonOp, property, value: this.literal(), position: at };
    if (UNSUPPORTED_OPERATORS.has(op)) throw new FilterUnsupportedError(`The operator '${operator.text}' is not supported in $filter on this collection.`);
    throw new FilterSyntaxError(`unknown operator '${operator.text}'`, operator.at);
  }

  private literal(): Literal {
    const token = this.next();
    if (token.kind === 'literal') return token.literal;
    if (token.kind === 'word') {
      if (token.text === 'true' || token.text === 'false') return { type: 'boolean', value: token.text === 'true' };
      if (token.text === 'null') return { type: 'null' };
    }
    throw new FilterSyntaxError(`unexpected ${describe(token)}; expected a literal value`, token.at);
  }

  private expectPunct(text: '(' | ')' | ',' | ':'): void {
    const token = this.next();
    if (token.kind !== 'punct' || token.text !== text) throw new FilterSyntaxError(`unexpected ${describe(token)}; expected '${text}'`, token.at);
  }

  private isWord(text: string): boolean {
    const token = this.peek();
    return token.kind === 'word' && token.text.toLowerCase() === text;
  }

  private isPunct(text: string): boolean {
    const token = this.peek();
    return token.kind === 'punct' && token.text === text;
  }

  private peek(): Token {
    return this.tokens[this.index] as Token;
  }

  private next(): Token {
    const token = this.peek();
    if (token.kind !== 'end') this.index++;
    return token;
  }
}

function describe(token: Token): string {
  switch (token.kind) {
    case 'end':
      return 'end of the filter';
    case 'punct':
      return `'${token.text}'`;
    case 'word':
      return `'${token.text}'`;
    case 'literal':
      return 'literal';
  }
}
