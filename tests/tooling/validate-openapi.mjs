// validate-openapi.mjs — checks an OpenAPI 3.1 document with a real validator
// (@apidevtools/swagger-parser): the document against the OpenAPI schema, then
// every $ref resolved, including the external ones to schemas/*.json.
// Exit 0 when valid, 1 with the reasons when not.
import SwaggerParser from "@apidevtools/swagger-parser";

const path = process.argv[2];
if (!path) {
  console.error("usage: node validate-openapi.mjs <openapi.json>");
  process.exit(2);
}
try {
  const api = await SwaggerParser.validate(path);
  if (!String(api.openapi).startsWith("3.1")) {
    throw new Error(`expected OpenAPI 3.1, got ${api.openapi}`);
  }
  console.log(`${path}: valid OpenAPI ${api.openapi}, ${Object.keys(api.paths).length} paths, every $ref resolved`);
} catch (e) {
  console.error(`${path}: ${e.message}`);
  process.exit(1);
}
