// Ajv as a JavaScript pipeline would use it: JSON Schema 2020-12, strict mode, ajv-formats.
// Reads {"schemas": [...], "cases": [[schemaId, instance], ...]} on stdin; prints
// {"compiled": {id: error-or-null}, "verdicts": [true|false|null, ...]} (null: the schema did not compile).
import Ajv2020 from "ajv/dist/2020.js";
import addFormats from "ajv-formats";
import { readFileSync } from "node:fs";

const input = JSON.parse(readFileSync(0, "utf8"));
const keywords = new Set();
const collect = (node) => {
  if (Array.isArray(node)) node.forEach(collect);
  else if (node && typeof node === "object")
    for (const [k, v] of Object.entries(node)) {
      if (k.startsWith("x-")) keywords.add(k);
      collect(v);
    }
};
input.schemas.forEach(collect);
const ajv = new Ajv2020({ strict: true, allErrors: true });
addFormats(ajv);
// Annotation keywords a schema documents itself with ("x-…"): declared, as strict mode asks.
ajv.addVocabulary([...keywords].sort());
const compiled = {};
for (const schema of input.schemas) {
  try {
    ajv.addSchema(schema);
    compiled[schema.$id] = null;
  } catch (e) {
    compiled[schema.$id] = String(e.message || e);
  }
}
const validators = {};
for (const id of Object.keys(compiled)) {
  if (compiled[id] !== null) continue;
  try {
    validators[id] = ajv.getSchema(id);
  } catch (e) {
    compiled[id] = String(e.message || e);
  }
}
const verdicts = input.cases.map(([id, instance]) => (validators[id] ? validators[id](instance) : null));
process.stdout.write(JSON.stringify({ compiled, verdicts }));
