// @ts-check
// ESLint (flat config): `npm run lint` runs it with `prettier --check`. Type-aware (typescript-eslint's
// recommended-type-checked over tsconfig.eslint.json, every .ts file of the repository), plus:
// - the import boundary of issue #16: library folders never import the demo app (app/, main.ts);
// - import-x/no-cycle: no runtime import circle (`import type` is not a runtime edge and is ignored);
// - tsdoc/syntax: doc comments are TSDoc (tsdoc.json extends TypeDoc's tag set), as docs/API.md renders them.
import js from "@eslint/js";
import tseslint from "typescript-eslint";
import { importX, createNodeResolver } from "eslint-plugin-import-x";
import tsdoc from "eslint-plugin-tsdoc";

/** Test files and test-only helpers: they fake async SDK interfaces and assert on parsed JSON. */
const TESTS = [
  "**/*.test.ts",
  "__tests__/**/*.ts",
  "handlers/shared/testing.ts",
  "handlers/shared/capture-logs.ts",
  "handlers/shared/fake-endpoint.ts",
  "lib/testing.ts",
];
/** Library folders: what the package ships or runs (lib/, modules/, handlers/, tools/), tests excluded. */
export const LIBRARY = ["lib/**/*.ts", "modules/**/*.ts", "handlers/**/*.ts", "tools/**/*.ts"];
/** The demo app: it composes the library, the library never imports it (issue #16, item 1). */
export const DEMO_APP = ["./app", "./main.ts"];

export default tseslint.config(
  // examples/consumer-app is a separate app that imports the packed tarball ("xacct-s3"): `npm run example` checks it with its own strict tsc.
  { ignores: ["node_modules/", "cdktf.out/", "dist/", "dist-cdktn/", "coverage/", ".gen/", ".bench/", ".e2e/", "state/", "examples/"] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { parserOptions: { project: "./tsconfig.eslint.json", tsconfigRootDir: import.meta.dirname } },
    plugins: { "import-x": importX, tsdoc },
    settings: {
      // import-x reads the imported .ts files itself (no-cycle follows them): it needs their parser and a resolver that knows .ts.
      "import-x/extensions": [".ts", ".js"],
      "import-x/parsers": { "@typescript-eslint/parser": [".ts"] },
      "import-x/resolver-next": [createNodeResolver({ extensions: [".ts", ".d.ts", ".js", ".json"] })],
    },
    linterOptions: { reportUnusedDisableDirectives: "error" },
    rules: {
      "tsdoc/syntax": "error",
      "import-x/no-cycle": ["error", { ignoreExternal: true }],
      // Stated here even though recommended-type-checked has them: a forgotten await and `any` are what this project forbids.
      "@typescript-eslint/no-floating-promises": "error",
      "@typescript-eslint/no-misused-promises": "error",
      "@typescript-eslint/no-explicit-any": "error",
      // `_name` is the repository's convention for a deliberately unused parameter or rest-omitted property (tsc's noUnusedParameters honours it too).
      "@typescript-eslint/no-unused-vars": [
        "error",
        { argsIgnorePattern: "^_", varsIgnorePattern: "^_", caughtErrorsIgnorePattern: "^_", destructuredArrayIgnorePattern: "^_" },
      ],
      // Callbacks pass a caught `unknown` on unchanged (deadline.ts rejects with the SDK's own error): wrapping it would hide the SDK error type the handlers diagnose.
      "@typescript-eslint/prefer-promise-reject-errors": ["error", { allowThrowingUnknown: true }],
      "@typescript-eslint/no-require-imports": [
        "error",
        {
          allow: [
            // Lazy: the jest matchers load cdktf only when a matcher is given a stack (tools/access/jest.ts).
            "^\\.\\./\\.\\./lib/framework$",
          ],
        },
      ],
    },
  },
  {
    // The boundary: library folders (not their tests) never import the demo app.
    files: LIBRARY,
    ignores: TESTS,
    rules: {
      "import-x/no-restricted-paths": [
        "error",
        {
          zones: [
            {
              target: LIBRARY.map((g) => `./${g.split("/")[0]}`),
              from: DEMO_APP,
              message: "the library never imports the demo app (app/, main.ts): pass what it needs in as props or context",
            },
          ],
        },
      ],
    },
  },
  {
    files: TESTS,
    rules: {
      // jest's asymmetric matchers (expect.stringMatching, expect.any, ...) are typed `any` by @types/jest, and tests read JSON.parse output on purpose.
      "@typescript-eslint/no-unsafe-assignment": "off",
      "@typescript-eslint/no-unsafe-member-access": "off",
      "@typescript-eslint/no-unsafe-argument": "off",
      "@typescript-eslint/no-unsafe-return": "off",
      // Fakes implement async interfaces (SDK body streams, credential providers) with `async` bodies that need no await.
      "@typescript-eslint/require-await": "off",
    },
  },
  {
    // Benchmarks and the e2e harness fake the same async interfaces (S3 bodies, step callbacks) as the tests.
    files: ["bench/**/*.ts", "e2e/**/*.ts"],
    rules: { "@typescript-eslint/require-await": "off" },
  },
  {
    files: ["**/*.js", "**/*.mjs", "**/*.cjs"],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: {
      ...tseslint.configs.disableTypeChecked.languageOptions,
      sourceType: "commonjs",
      globals: {
        require: "readonly",
        module: "writable",
        exports: "writable",
        __dirname: "readonly",
        process: "readonly",
        console: "readonly",
        Buffer: "readonly",
      },
    },
    // CommonJS config files (jest.config.js, scripts/ts-register.js) require by nature; their `@type` comments are JSDoc, not TSDoc.
    rules: { ...tseslint.configs.disableTypeChecked.rules, "@typescript-eslint/no-require-imports": "off", "tsdoc/syntax": "off" },
  },
  { files: ["**/*.mjs"], languageOptions: { sourceType: "module" } },
);
