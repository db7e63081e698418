// Composes schemas/supergraph.graphql from the four demo subgraph SDL files with Apollo's
// composition library (npm: @apollo/composition). See README.md for how to run it.
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { createRequire } from "node:module";

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
const services = ["accounts", "products", "reviews", "inventory"].map((name, index) => ({
  name,
  url: `http://127.0.0.1:${basePort + 1 + index}/graphql`,
  typeDefs: parse(readFileSync(join(here, `${name}.graphql`), "utf8")),
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
writeFileSync(join(here, "supergraph.graphql"), result.supergraphSdl.trimEnd() + "\n");
console.log(`wrote supergraph.graphql (${services.length} subgraphs)`);
