// Composes schemas/supergraph.graphql from the four demo subgraph SDL files with Apollo's
// composition library (npm: @apollo/composition). See README.md for how to run it.
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { createRequire } from "node:module";
import { createHash } from "node:crypto";

// The library is installed outside the repository; COMPOSER_PREFIX says where.
const prefix = process.env.COMPOSER_PREFIX;
if (!prefix) {
  console.error("set COMPOSER_PREFIX to the npm --prefix where @apollo/composition is installed");
  process.exit(2);
}
const require = createRequire(join(prefix, "package.json"));
const { composeServices } = require("@apollo/composition");
const { parse } = require("graphql");

const here = dirname(fileURLToPath(import.meta.url));
const basePort = Number(process.env.BASE_PORT ?? 4000);
const sources = ["accounts", "products", "reviews", "inventory"].map((name) => ({
  name,
  text: readFileSync(join(here, `${name}.graphql`), "utf8"),
}));
const services = sources.map(({ name, text }, index) => ({
  name,
  url: `http://127.0.0.1:${basePort + 1 + index}/graphql`,
  typeDefs: parse(text),
}));

const result = composeServices(services);
for (const hint of result.hints ?? []) {
  console.error(`hint: ${hint.toString()}`);
}
if (result.errors) {
  for (const error of result.errors) {
    console.error(`error: ${error.message}`);
  }
  process.exit(1);
}
// The header records what was composed, so a test can tell when the supergraph is stale.
const { version } = require("@apollo/composition/package.json");
const header = [
  `# Composed by schemas/compose.mjs with @apollo/composition ${version} from:`,
  ...sources.map(({ name, text }) => `#   ${name}.graphql sha256=${createHash("sha256").update(text).digest("hex")}`),
  "",
].join("\n");
writeFileSync(join(here, "supergraph.graphql"), header + result.supergraphSdl.trimEnd() + "\n");
console.log(`wrote supergraph.graphql (${services.length} subgraphs)`);
