// @ts-check
import eslint from "@eslint/js";
import prettier from "eslint-config-prettier";
import tseslint from "typescript-eslint";

/** Orchestrator and entity code is replayed by the Durable runtime: anything non-deterministic breaks replay. */
const determinismRules = {
  "no-restricted-properties": [
    "error",
    { object: "Date", property: "now", message: "Use context.df.currentUtcDateTime (replay-safe)." },
    {
      object: "Math",
      property: "random",
      message: "Use context.df.newGuid() or a seeded value from the input.",
    },
    { object: "process", property: "env", message: "Configuration reaches orchestrators only as input." },
    { object: "performance", property: "now", message: "Not replay-safe." },
  ],
  "no-restricted-syntax": [
    "error",
    {
      selector: "NewExpression[callee.name='Date'][arguments.length=0]",
      message: "new Date() is not replay-safe; use context.df.currentUtcDateTime.",
    },
    { selector: "CallExpression[callee.name='setTimeout']", message: "Use context.df.createTimer." },
    { selector: "CallExpression[callee.name='setInterval']", message: "Use context.df.createTimer." },
    { selector: "CallExpression[callee.name='fetch']", message: "I/O belongs in activities." },
    { selector: "MemberExpression[object.name='console']", message: "Log through the replay-aware logger." },
  ],
  "no-restricted-imports": [
    "error",
    {
      patterns: [
        {
          group: ["node:*", "fs", "http", "https", "net", "crypto", "zlib", "child_process"],
          message: "No I/O in orchestrators/entities.",
        },
        {
          group: ["axios", "@azure/identity", "@azure/monitor-ingestion", "@azure/keyvault-secrets"],
          message: "No I/O clients in orchestrators/entities.",
        },
        {
          group: [
            "**/mimecast/client",
            "**/mimecast/http",
            "**/sentinel/*Sink",
            "**/config/secrets",
            "**/runtime/*",
          ],
          allowTypeImports: true,
          message: "Only type imports of I/O modules are allowed here.",
        },
      ],
    },
  ],
};

export default tseslint.config(
  { ignores: ["dist/**", "node_modules/**", "eslint.config.mjs", "coverage/**"] },
  eslint.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      "@typescript-eslint/no-floating-promises": "error",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "@typescript-eslint/consistent-type-imports": ["error", { fixStyle: "separate-type-imports" }],
    },
  },
  {
    files: ["src/**/*.ts"],
    ignores: ["src/index.ts"],
    rules: { "@typescript-eslint/no-explicit-any": "error" },
  },
  { files: ["src/orchestrators/**/*.ts", "src/entities/**/*.ts"], rules: determinismRules },
  {
    files: ["test/**/*.ts", "bench/**/*.ts", "simulator/**/*.ts", "scripts/**/*.ts"],
    rules: {
      "@typescript-eslint/no-unsafe-assignment": "off",
      "@typescript-eslint/no-unsafe-member-access": "off",
      "@typescript-eslint/no-unsafe-argument": "off",
      "@typescript-eslint/no-unsafe-call": "off",
      "@typescript-eslint/no-unsafe-return": "off",
      "@typescript-eslint/no-non-null-assertion": "off",
      // Tests load compiled entry modules fresh (registration capture) with require.
      "@typescript-eslint/no-require-imports": "off",
      // node:test's describe/it return promises the runner itself awaits.
      "@typescript-eslint/no-floating-promises": [
        "error",
        {
          allowForKnownSafeCalls: [
            {
              from: "package",
              package: "node:test",
              name: ["describe", "it", "test", "suite", "before", "after", "beforeEach", "afterEach"],
            },
          ],
        },
      ],
    },
  },
  { files: ["**/*.mjs"], ...tseslint.configs.disableTypeChecked },
  { files: ["**/*.mjs"], languageOptions: { globals: { process: "readonly", console: "readonly" } } },
  prettier,
);
