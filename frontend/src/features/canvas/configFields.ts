/** Which form control edits a property of a node type's config schema. */
import type { JsonSchema } from "../../api/types";

export type FieldKind = "text" | "textarea" | "number" | "checkbox" | "select" | "keyvalue" | "json";

/** Properties that hold long templates or expressions even without `format: textarea`. */
const LONG_TEXT_PROPERTIES = new Set(["expression", "message"]);

/** The schema's type, ignoring `null` in a union like `["string", "null"]`. */
export function schemaType(schema: JsonSchema): string | undefined {
  if (Array.isArray(schema.type)) return schema.type.find((t) => t !== "null");
  return schema.type;
}

export function fieldKind(property: string, schema: JsonSchema): FieldKind {
  if (Array.isArray(schema.enum) && schema.enum.length > 0) return "select";
  switch (schemaType(schema)) {
    case "string":
      return schema.format === "textarea" || LONG_TEXT_PROPERTIES.has(property) ? "textarea" : "text";
    case "number":
    case "integer":
      return "number";
    case "boolean":
      return "checkbox";
    case "object":
      return isStringMap(schema) ? "keyvalue" : "json";
    default:
      return "json";
  }
}

/** An object of free keys whose values are strings (templates), like core.set's `values`. */
function isStringMap(schema: JsonSchema): boolean {
  const extra = schema.additionalProperties;
  if (!extra) return false;
  if (schema.properties && Object.keys(schema.properties).length > 0) return false;
  if (extra === true) return true;
  const valueType = schemaType(extra);
  return valueType === undefined || valueType === "string";
}
