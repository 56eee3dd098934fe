/**
 * Just enough of ARM template expressions for static checks: collect the expression strings of each
 * template scope (a nested deployment with inner scope is its own scope) and the calls inside them.
 */

export interface ArmTemplate {
  parameters?: Record<string, { type: string; defaultValue?: unknown }>;
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
