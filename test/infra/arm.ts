/**
 * Just enough of ARM template expressions for static checks: collect the expression strings of each
 * template scope (a nested deployment with inner scope is its own scope) and the calls inside them.
 */

export interface ArmTemplate {
  parameters?: Record<string, { type: string; defaultValue?: unknown; allowedValues?: unknown[] }>;
  variables?: Record<string, unknown>;
  resources: ArmResource[];
  outputs?: Record<string, unknown>;
}

export interface ArmResource {
  type: string;
  name: string;
  properties?: Record<string, unknown> & {
    template?: ArmTemplate;
    expressionEvaluationOptions?: { scope: string };
  };
  [key: string]: unknown;
}

export interface TemplateScope {
  template: ArmTemplate;
  /** Every "[…]" expression of this scope (not those of nested inner-scope templates). */
  expressions: string[];
}

/** The template and every nested inner-scope template, each with its own expressions. */
export function templateScopes(template: ArmTemplate): TemplateScope[] {
  const scopes: TemplateScope[] = [];
  const visit = (root: ArmTemplate): void => {
    const expressions: string[] = [];
    const walk = (value: unknown): void => {
      if (typeof value === "string") {
        if (value.startsWith("[") && !value.startsWith("[[")) expressions.push(value.slice(1, -1));
      } else if (Array.isArray(value)) {
        for (const item of value) walk(item);
      } else if (value !== null && typeof value === "object") {
        const record = value as Record<string, unknown>;
        const nested = isInnerDeployment(record)
          ? (record.properties as { template: ArmTemplate }).template
          : undefined;
        for (const [key, child] of Object.entries(record)) {
          if (key === "$schema") continue;
          if (nested !== undefined && key === "properties") {
            const { template: _inner, ...rest } = child as Record<string, unknown>;
            walk(rest);
          } else walk(child);
        }
        if (nested !== undefined) visit(nested);
      }
    };
    walk({
      parameters: root.parameters,
      variables: root.variables,
      resources: root.resources,
      outputs: root.outputs,
    });
    scopes.push({ template: root, expressions });
  };
  visit(template);
  return scopes;
}

function isInnerDeployment(record: Record<string, unknown>): boolean {
  const properties = record.properties as ArmResource["properties"] | undefined;
  return (
    record.type === "Microsoft.Resources/deployments" &&
    properties?.template !== undefined &&
    properties.expressionEvaluationOptions?.scope === "inner"
  );
}

/** Argument texts of every call to `fn` in `expression` (top-level commas split arguments). */
export function callsOf(expression: string, fn: string): string[][] {
  const calls: string[][] = [];
  const pattern = new RegExp(`(?<![A-Za-z0-9_])${fn}\\(`, "g");
  for (const match of expression.matchAll(pattern)) {
    let depth = 0;
    let inString = false;
    let current = "";
    const args: string[] = [];
    for (let i = match.index + match[0].length; i < expression.length; i++) {
      const ch = expression[i]!;
      if (inString) {
        current += ch;
        if (ch === "'") inString = expression[i + 1] === "'" ? ((current += expression[++i]), true) : false;
        continue;
      }
      if (ch === "'") inString = true;
      if (ch === "(" || ch === "[") depth++;
      if ((ch === ")" || ch === "]") && depth === 0) {
        if (current.trim() !== "") args.push(current.trim());
        break;
      }
      if (ch === ")" || ch === "]") depth--;
      if (ch === "," && depth === 0) {
        args.push(current.trim());
        current = "";
        continue;
      }
      current += ch;
    }
    calls.push(args);
  }
  return calls;
}

/** `'text'` → text, or undefined when the argument is not a string literal. */
export function literal(arg: string | undefined): string | undefined {
  return arg !== undefined && /^'([^']|'')*'$/.test(arg) ? arg.slice(1, -1).replace(/''/g, "'") : undefined;
}

// ── A small evaluator: enough to see what a setting or condition becomes for given parameters ────────

/** A value the evaluator cannot compute offline (a reference(), resourceId(), …): its expression text. */
export interface Opaque {
  opaque: string;
}

export type ArmValue = string | number | boolean | null | Opaque | ArmValue[] | { [key: string]: ArmValue };

export const isOpaque = (value: unknown): value is Opaque =>
  typeof value === "object" && value !== null && "opaque" in value && Object.keys(value).length === 1;

export interface EvaluateOptions {
  /** What environment() returns (e.g. { portal: "https://portal.azure.us" }); unset: Opaque. */
  environment?: { [key: string]: ArmValue };
  /**
   * What a reference() call returns, by its expression text (e.g. a stand-in DCR immutable id); undefined
   * or unset: Opaque, as ARM computes it at deployment.
   */
  reference?: (text: string) => ArmValue | undefined;
}

/**
 * Evaluates a template value ("[…]" strings are expressions) with the given parameter values (declared
 * defaults fill the rest). Supports literals, parameters(), variables(), if(), equals(), empty(), not(),
 * and(), or(), contains(), format(), replace(), union() of objects, environment() and reference() (when options give them); any other call (and property access on it) is Opaque. if() evaluates only the chosen
 * branch, as ARM does; an Opaque condition is an error, because the outcome would be a guess.
 */
export function evaluate(
  value: unknown,
  template: ArmTemplate,
  parameters: Readonly<Record<string, ArmValue>> = {},
  options: EvaluateOptions = {},
): ArmValue {
  const param = (name: string): ArmValue => {
    if (name in parameters) return parameters[name]!;
    const declared = template.parameters?.[name];
    if (!declared) throw new Error(`undeclared parameter ${name}`);
    if (!("defaultValue" in declared)) throw new Error(`parameter ${name} has no value and no default`);
    return evaluate(declared.defaultValue, template, parameters, options);
  };
  const evalExpression = (text: string): ArmValue => {
    const parser = new ExpressionParser(text);
    const node = parser.parse();
    return evalNode(node);
  };
  const evalNode = (node: ExprNode): ArmValue => {
    if (node.kind === "string" || node.kind === "number") return node.value;
    if (node.kind === "access") {
      const target = evalNode(node.target);
      if (isOpaque(target)) return { opaque: node.text };
      const key = typeof node.key === "string" ? node.key : evalNode(node.key);
      if (target === null || typeof target !== "object" || typeof key === "object" || key === null)
        throw new Error(`cannot read ${JSON.stringify(key)} of ${JSON.stringify(target)}`);
      return (target as Record<string, ArmValue>)[String(key)] ?? null;
    }
    const args = node.args;
    switch (node.name.toLowerCase()) {
      case "parameters":
        return param(nameArgument(evalNode(args[0]!)));
      case "variables": {
        const name = nameArgument(evalNode(args[0]!));
        if (!(name in (template.variables ?? {}))) throw new Error(`undeclared variable ${name}`);
        return evaluate(template.variables![name], template, parameters, options);
      }
      case "if": {
        const condition = evalNode(args[0]!);
        if (typeof condition !== "boolean") throw new Error(`if() condition is not a bool: ${node.text}`);
        return evalNode(condition ? args[1]! : args[2]!);
      }
      case "equals": {
        const [a, b] = args.map(evalNode);
        if (isOpaque(a) || isOpaque(b)) return { opaque: node.text };
        return JSON.stringify(a) === JSON.stringify(b);
      }
      case "empty": {
        const a = evalNode(args[0]!);
        if (isOpaque(a)) return { opaque: node.text };
        return (
          a === null ||
          a === "" ||
          (Array.isArray(a) ? a.length === 0 : typeof a === "object" && Object.keys(a).length === 0)
        );
      }
      case "not": {
        const a = evalNode(args[0]!);
        return isOpaque(a) ? { opaque: node.text } : !a;
      }
      case "and":
      case "or": {
        const values = args.map(evalNode);
        if (values.some(isOpaque)) return { opaque: node.text };
        return node.name.toLowerCase() === "and" ? values.every(Boolean) : values.some(Boolean);
      }
      case "format": {
        const [pattern, ...rest] = args.map(evalNode);
        const texts = rest.map((v) => (typeof v === "object" && v !== null ? undefined : `${v ?? ""}`));
        if (typeof pattern !== "string" || texts.includes(undefined)) return { opaque: node.text };
        return pattern.replace(/\{(\d+)\}/g, (_, i: string) => texts[Number(i)] ?? "");
      }
      case "replace": {
        const [text, from, to] = args.map(evalNode);
        if (typeof text !== "string" || typeof from !== "string" || typeof to !== "string")
          return { opaque: node.text };
        return text.split(from).join(to);
      }
      case "union": {
        const values = args.map(evalNode);
        if (!values.every((v) => v !== null && typeof v === "object" && !Array.isArray(v) && !isOpaque(v)))
          return { opaque: node.text };
        return Object.assign({}, ...values) as ArmValue;
      }
      case "contains": {
        const [container, item] = args.map(evalNode);
        if (isOpaque(container) || isOpaque(item)) return { opaque: node.text };
        if (Array.isArray(container))
          return container.some((v) => JSON.stringify(v) === JSON.stringify(item));
        if (typeof container === "string") return typeof item === "string" && container.includes(item);
        if (container !== null && typeof container === "object")
          return typeof item === "string" && item in container;
        throw new Error(`contains() of ${JSON.stringify(container)}`);
      }
      case "environment":
        return options.environment ?? { opaque: node.text };
      case "reference":
        return options.reference?.(node.text) ?? { opaque: node.text };
      case "true":
        return true;
      case "false":
        return false;
      default:
        return { opaque: node.text };
    }
  };
  if (typeof value === "string") {
    if (value.startsWith("[[")) return value.slice(1);
    if (value.startsWith("[") && value.endsWith("]")) return evalExpression(value.slice(1, -1));
    return value;
  }
  if (Array.isArray(value)) return value.map((item) => evaluate(item, template, parameters, options));
  if (value !== null && typeof value === "object")
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, evaluate(v, template, parameters, options)]),
    );
  return value as ArmValue;
}

function nameArgument(value: ArmValue): string {
  if (typeof value !== "string") throw new Error(`a name must be a string literal: ${JSON.stringify(value)}`);
  return value;
}

type ExprNode =
  | { kind: "string"; value: string; text: string }
  | { kind: "number"; value: number; text: string }
  | { kind: "call"; name: string; args: ExprNode[]; text: string }
  | { kind: "access"; target: ExprNode; key: string | ExprNode; text: string };

class ExpressionParser {
  private pos = 0;
  constructor(private readonly text: string) {}

  parse(): ExprNode {
    const node = this.expression();
    this.skipSpace();
    if (this.pos !== this.text.length) throw new Error(`unexpected text at ${this.pos}: ${this.text}`);
    return node;
  }

  private skipSpace(): void {
    while (this.pos < this.text.length && /\s/.test(this.text[this.pos]!)) this.pos++;
  }

  private expression(): ExprNode {
    this.skipSpace();
    const start = this.pos;
    let node = this.primary();
    for (;;) {
      const ch = this.text[this.pos];
      if (ch === ".") {
        this.pos++;
        const name = /^[A-Za-z_][A-Za-z0-9_]*/.exec(this.text.slice(this.pos))?.[0];
        if (!name) throw new Error(`property name expected at ${this.pos}: ${this.text}`);
        this.pos += name.length;
        node = { kind: "access", target: node, key: name, text: this.text.slice(start, this.pos) };
      } else if (ch === "[") {
        this.pos++;
        const key = this.expression();
        this.skipSpace();
        this.expect("]");
        node = { kind: "access", target: node, key, text: this.text.slice(start, this.pos) };
      } else return node;
    }
  }

  private primary(): ExprNode {
    const start = this.pos;
    const ch = this.text[this.pos];
    if (ch === "'") {
      let value = "";
      this.pos++;
      while (this.pos < this.text.length) {
        const c = this.text[this.pos++]!;
        if (c !== "'") value += c;
        else if (this.text[this.pos] === "'") {
          value += "'";
          this.pos++;
        } else return { kind: "string", value, text: this.text.slice(start, this.pos) };
      }
      throw new Error(`unterminated string: ${this.text}`);
    }
    const number = /^-?\d+/.exec(this.text.slice(this.pos))?.[0];
    if (number) {
      this.pos += number.length;
      return { kind: "number", value: Number(number), text: number };
    }
    const name = /^[A-Za-z_][A-Za-z0-9_.]*(?=\()/.exec(this.text.slice(this.pos))?.[0];
    if (!name) throw new Error(`unexpected text at ${this.pos}: ${this.text}`);
    this.pos += name.length + 1;
    const args: ExprNode[] = [];
    this.skipSpace();
    if (this.text[this.pos] === ")") this.pos++;
    else {
      for (;;) {
        args.push(this.expression());
        this.skipSpace();
        if (this.text[this.pos] === ",") {
          this.pos++;
          continue;
        }
        this.expect(")");
        break;
      }
    }
    return { kind: "call", name, args, text: this.text.slice(start, this.pos) };
  }

  private expect(ch: string): void {
    if (this.text[this.pos] !== ch) throw new Error(`"${ch}" expected at ${this.pos}: ${this.text}`);
    this.pos++;
  }
}
