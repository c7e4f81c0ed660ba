/** The editor page's embedded API answers, as Django's `json_script` writes them. */
import { INITIAL_DATA_ELEMENT_ID } from "../api/initialData";

export function embedInitialData(data: unknown, doc: Document = document): HTMLScriptElement {
  const script = doc.createElement("script");
  script.id = INITIAL_DATA_ELEMENT_ID;
  script.type = "application/json";
  // json_script escapes <, > and & so the JSON cannot close the element.
  script.textContent = JSON.stringify(data)
    .replace(/&/g, "\\u0026")
    .replace(/</g, "\\u003C")
    .replace(/>/g, "\\u003E");
  doc.body.appendChild(script);
  return script;
}

export function removeInitialData(doc: Document = document): void {
  doc.getElementById(INITIAL_DATA_ELEMENT_ID)?.remove();
}
