/**
 * TEST DOUBLE — the patch formats of the fake Kubernetes API server: JSON merge patch
 * (RFC 7386), JSON patch (RFC 6902: add, remove, replace, test, move, copy) and a simplified
 * server-side apply (a merge patch that may create; field managers are recorded, not
 * enforced — no conflict detection between managers).
 */

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

const isObject = (v: unknown): v is Record<string, Json> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** RFC 7386: objects merge recursively, `null` removes a key, everything else replaces. */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isObject(patch)) return patch;
  const result: Record<string, unknown> = isObject(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    else result[key] = mergePatch(result[key], value);
  }
  return result;
}

/** An RFC 6902 failure: `test` mismatch or a bad path, answered with 422 by the server. */
export class JsonPatchError extends Error {}

interface Operation {
  readonly op: string;
  readonly path: string;
  readonly value?: unknown;
  readonly from?: string;
}

const unescapeToken = (token: string) => token.replace(/~1/g, '/').replace(/~0/g, '~');

function parsePointer(pointer: string): string[] {
  if (pointer === '') return [];
  if (!pointer.startsWith('/')) throw new JsonPatchError(`bad JSON pointer ${pointer}`);
  return pointer.slice(1).split('/').map(unescapeToken);
}

function resolveParent(doc: unknown, tokens: readonly string[]): { parent: unknown; key: string } {
  let node = doc;
  for (const token of tokens.slice(0, -1)) {
    node = (node as Record<string, unknown> | undefined)?.[token];
    if (typeof node !== 'object' || node === null) throw new JsonPatchError(`path not found at ${token}`);
  }
  const key = tokens[tokens.length - 1];
  if (key === undefined) throw new JsonPatchError('the root cannot be the target');
  return { parent: node, key };
}

function getAt(doc: unknown, pointer: string): unknown {
  let node = doc;
  for (const token of parsePointer(pointer)) {
    if (typeof node !== 'object' || node === null || !(token in node))
      throw new JsonPatchError(`no value at ${pointer}`);
    node = (node as Record<string, unknown>)[token];
  }
  return node;
}

function arrayIndex(arr: unknown[], key: string, forAdd: boolean): number {
  if (forAdd && key === '-') return arr.length;
  const index = Number(key);
  const max = forAdd ? arr.length : arr.length - 1;
  if (!Number.isInteger(index) || index < 0 || index > max) throw new JsonPatchError(`bad array index ${key}`);
  return index;
}

function addAt(doc: unknown, pointer: string, value: unknown): unknown {
  const tokens = parsePointer(pointer);
  if (tokens.length === 0) return structuredClone(value);
  const { parent, key } = resolveParent(doc, tokens);
  if (Array.isArray(parent)) parent.splice(arrayIndex(parent, key, true), 0, structuredClone(value));
  else (parent as Record<string, unknown>)[key] = structuredClone(value);
  return doc;
}

function removeAt(doc: unknown, pointer: string): unknown {
  const { parent, key } = resolveParent(doc, parsePointer(pointer));
  if (Array.isArray(parent)) parent.splice(arrayIndex(parent, key, false), 1);
  else if (key in (parent as object)) delete (parent as Record<string, unknown>)[key];
  else throw new JsonPatchError(`no value at ${pointer}`);
  return doc;
}

function applyOperation(doc: unknown, op: Operation): unknown {
  switch (op.op) {
    case 'add':
      return addAt(doc, op.path, op.value);
    case 'remove':
      return removeAt(doc, op.path);
    case 'replace':
      return addAt(removeAt(doc, op.path), op.path, op.value);
    case 'test':
      if (JSON.stringify(getAt(doc, op.path)) !== JSON.stringify(op.value)) {
        throw new JsonPatchError(`test failed at ${op.path}`);
      }
      return doc;
    case 'move': {
      const value = getAt(doc, op.from ?? '');
      return addAt(removeAt(doc, op.from ?? ''), op.path, value);
    }
    case 'copy':
      return addAt(doc, op.path, getAt(doc, op.from ?? ''));
    default:
      throw new JsonPatchError(`unsupported op ${op.op}`);
  }
}

/** RFC 6902: applies every operation to a copy, all or nothing. */
export function jsonPatch(target: unknown, operations: unknown): unknown {
  if (!Array.isArray(operations)) throw new JsonPatchError('a JSON patch is an array of operations');
  let doc = structuredClone(target);
  for (const op of operations as Operation[]) doc = applyOperation(doc, op);
  return doc;
}
