import { Document, isScalar, parse, visit } from 'yaml';
import type { KubeObject } from '../model/kube-object.js';

const MAYBE_YAML11_NON_STRING = /^(?:[-+.0-9~]|(?:y|n|yes|no|on|off|true|false|null)$|$)/i;

/**
 * True when a plain (unquoted) `text` would not read back as that string under YAML 1.1, which is what
 * Kubernetes tooling (go-yaml) uses: `yes`, `on`, `y`, `1_000` and timestamps become booleans, numbers
 * and dates there, although YAML 1.2 reads them as strings.
 */
function readsAsOtherScalarInYaml11(text: string): boolean {
  // Only these can be YAML 1.1 numbers, dates, booleans or nulls; skipping the rest keeps this cheap.
  if (!MAYBE_YAML11_NON_STRING.test(text)) return false;
  let value: unknown;
  try {
    value = parse(text, { version: '1.1' });
  } catch {
    return false; // not a plain scalar at all: the YAML 1.2 stringifier quotes it already
  }
  // Collections (e.g. JSON text) are left to the stringifier too, which quotes them readably.
  const isCollection = typeof value === 'object' && value !== null && !(value instanceof Date);
  return value !== text && !isCollection;
}

/**
 * Multi-document YAML, one document per object, separated by `---`. Keys keep their insertion order
 * and long strings are never folded, so equal objects always give equal text. Strings that YAML 1.2
 * or YAML 1.1 would read as anything but a string are double-quoted, so `kubectl` and every YAML
 * library read the documents back as they were meant.
 */
export function toYaml(objects: readonly KubeObject[]): string {
  return objects
    .map((object) => {
      const doc = new Document(object);
      visit(doc, {
        Scalar(_key, node) {
          if (isScalar(node) && typeof node.value === 'string' && readsAsOtherScalarInYaml11(node.value)) node.type = 'QUOTE_DOUBLE';
        },
      });
      return doc.toString({ lineWidth: 0 });
    })
    .join('---\n');
}
