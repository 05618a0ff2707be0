/**
 * A parser for the slice of PromQL meshplane sends: vector selectors with label matchers, range
 * selectors (`[30s]`), `increase`/`rate`, `histogram_quantile`, and `sum` with `by`/`without`.
 * Anything else is a PromQlError, which the query API answers as `bad_data`.
 */

export class PromQlError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PromQlError';
  }
}

export interface LabelMatcher {
  name: string;
  op: '=' | '!=' | '=~' | '!~';
  value: string;
}

export type PromQlExpr =
  | { type: 'number'; value: number }
  | { type: 'selector'; metric: string; matchers: LabelMatcher[]; rangeSeconds?: number }
  | { type: 'call'; func: 'increase' | 'rate' | 'histogram_quantile'; args: PromQlExpr[] }
  | { type: 'aggregate'; op: 'sum'; grouping: { mode: 'by' | 'without'; labels: string[] } | undefined; expr: PromQlExpr };

type Token = { kind: 'ident' | 'number' | 'string' | 'duration' | 'punct'; text: string; pos: number };

const FUNCTIONS = new Set(['increase', 'rate', 'histogram_quantile']);
const DURATION_UNITS: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86400, w: 604800, y: 31536000 };

function tokenize(query: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < query.length) {
    const c = query[i];
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    const rest = query.slice(i);
    let m: RegExpExecArray | null;
    if ((m = /^(\d+(?:ms|s|m|h|d|w|y))+/.exec(rest)) && tokens[tokens.length - 1]?.text === '[') tokens.push({ kind: 'duration', text: m[0], pos: i });
    else if ((m = /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(rest))) tokens.push({ kind: 'ident', text: m[0], pos: i });
    else if ((m = /^(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?/.exec(rest))) tokens.push({ kind: 'number', text: m[0], pos: i });
    else if (c === '"' || c === "'") {
      let j = i + 1;
      let value = '';
      while (j < query.length && query[j] !== c) {
        if (query[j] === '\\' && j + 1 < query.length) {
          const next = query[j + 1];
          value += next === 'n' ? '\n' : next === 't' ? '\t' : next;
          j += 2;
        } else value += query[j++];
      }
      if (j >= query.length) throw new PromQlError(`unterminated quoted string at position ${i}`);
      tokens.push({ kind: 'string', text: value, pos: i });
      i = j + 1;
      continue;
    } else if ((m = /^(=~|!~|!=|[(){}[\],=])/.exec(rest))) tokens.push({ kind: 'punct', text: m[0], pos: i });
    else throw new PromQlError(`unexpected character "${c}" at position ${i}`);
    i += m[0].length;
  }
  return tokens;
}

function parseDuration(text: string): number {
  let seconds = 0;
  for (const [, n, unit] of text.matchAll(/(\d+)(ms|s|m|h|d|w|y)/g)) seconds += Number(n) * DURATION_UNITS[unit];
  return seconds;
}

class Parser {
  private i = 0;
  constructor(private readonly tokens: Token[]) {}

  parse(): PromQlExpr {
    const expr = this.expr();
    if (this.i < this.tokens.length) throw new PromQlError(`unexpected "${this.tokens[this.i].text}" at position ${this.tokens[this.i].pos}`);
    return expr;
  }

  private peek(): Token | undefined {
    return this.tokens[this.i];
  }

  private next(): Token {
    const t = this.tokens[this.i++];
    if (!t) throw new PromQlError('unexpected end of query');
    return t;
  }

  private expect(text: string): void {
    const t = this.next();
    if (t.text !== text || (t.kind !== 'punct' && t.kind !== 'ident')) throw new PromQlError(`expected "${text}" at position ${t.pos}, found "${t.text}"`);
  }

  private expr(): PromQlExpr {
    const t = this.next();
    if (t.kind === 'number') return { type: 'number', value: Number(t.text) };
    if (t.kind !== 'ident') throw new PromQlError(`unexpected "${t.text}" at position ${t.pos}`);
    if (t.text === 'sum') return this.aggregate();
    if (['avg', 'min', 'max', 'count', 'topk', 'bottomk', 'quantile', 'stddev', 'stdvar', 'group'].includes(t.text))
      throw new PromQlError(`unsupported aggregation "${t.text}"`);
    if (this.peek()?.text === '(') {
      if (!FUNCTIONS.has(t.text)) throw new PromQlError(`unsupported function "${t.text}"`);
      this.expect('(');
      const args: PromQlExpr[] = [this.expr()];
      while (this.peek()?.text === ',') {
        this.next();
        args.push(this.expr());
      }
      this.expect(')');
      return { type: 'call', func: t.text as 'increase' | 'rate' | 'histogram_quantile', args };
    }
    return this.selector(t.text);
  }

  private grouping(): { mode: 'by' | 'without'; labels: string[] } | undefined {
    const t = this.peek();
    if (t?.kind !== 'ident' || (t.text !== 'by' && t.text !== 'without')) return undefined;
    this.next();
    this.expect('(');
    const labels: string[] = [];
    while (this.peek()?.text !== ')') {
      const label = this.next();
      if (label.kind !== 'ident') throw new PromQlError(`expected a label name at position ${label.pos}`);
      labels.push(label.text);
      if (this.peek()?.text === ',') this.next();
    }
    this.expect(')');
    return { mode: t.text as 'by' | 'without', labels };
  }

  private aggregate(): PromQlExpr {
    let grouping = this.grouping();
    this.expect('(');
    const expr = this.expr();
    this.expect(')');
    grouping ??= this.grouping();
    return { type: 'aggregate', op: 'sum', grouping, expr };
  }

  private selector(metric: string): PromQlExpr {
    const matchers: LabelMatcher[] = [];
    if (this.peek()?.text === '{') {
      this.next();
      while (this.peek()?.text !== '}') {
        const name = this.next();
        if (name.kind !== 'ident') throw new PromQlError(`expected a label name at position ${name.pos}`);
        const op = this.next();
        if (!['=', '!=', '=~', '!~'].includes(op.text)) throw new PromQlError(`expected a label matcher operator at position ${op.pos}`);
        const value = this.next();
        if (value.kind !== 'string') throw new PromQlError(`expected a quoted label value at position ${value.pos}`);
        matchers.push({ name: name.text, op: op.text as LabelMatcher['op'], value: value.text });
        if (this.peek()?.text === ',') this.next();
        else if (this.peek()?.text !== '}') throw new PromQlError(`expected "," or "}" at position ${this.peek()?.pos ?? 'end'}`);
      }
      this.expect('}');
    }
    let rangeSeconds: number | undefined;
    if (this.peek()?.text === '[') {
      this.next();
      const d = this.next();
      if (d.kind !== 'duration') throw new PromQlError(`expected a duration at position ${d.pos}`);
      rangeSeconds = parseDuration(d.text);
      this.expect(']');
    }
    return { type: 'selector', metric, matchers, rangeSeconds };
  }
}

/** Parses a query; throws PromQlError for anything outside the supported slice. */
export function parsePromQl(query: string): PromQlExpr {
  if (query.trim() === '') throw new PromQlError('empty query');
  return new Parser(tokenize(query)).parse();
}
