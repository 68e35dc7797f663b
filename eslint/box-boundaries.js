// Lint rule: the boxes of src/ (site, hub, client, probes, gateway) never import each other, and any
// folder of src/ is entered from outside only through its index (DESIGN.md "Layout"; STYLE.md
// "Layout and module boundaries"). Resolves each relative import against the file that makes it.
import path from 'node:path';

const SRC = path.resolve(import.meta.dirname, '..', 'src');
/** Folders that are boxes: they share only the common layers, never each other's code. */
const BOXES = new Set(['site', 'hub', 'client', 'probes', 'gateway']);
/** Folders whose sub-folders are units of their own (each with its index). */
const NESTED = new Set(['formats']);

/** The unit a path under src/ belongs to (`hub`, `formats/apel`, …), or '' for src/'s own files. */
function unitOf(relative) {
  const parts = relative.split(path.sep);
  if (parts.length === 1) return '';
  if (NESTED.has(parts[0]) && parts.length > 2) return `${parts[0]}/${parts[1]}`;
  return parts[0];
}

function isIndex(relative, unit) {
  return (
    relative
      .split(path.sep)
      .join('/')
      .replace(/\.(ts|js)$/, '') === `${unit}/index`
  );
}

/** @type {import('eslint').Rule.RuleModule} */
const rule = {
  meta: {
    type: 'problem',
    docs: { description: 'boxes never import each other; other folders are entered through their index' },
    schema: [],
    messages: {
      box: '{{from}}/ may not import from {{to}}/: boxes share only the common layers (move the code down into one)',
      index: 'import {{to}}/ through its index ({{to}}/index.js), not {{target}}',
    },
  },
  create(context) {
    const file = context.filename;
    const fromRelative = path.relative(SRC, file);
    if (fromRelative.startsWith('..')) return {};
    const from = unitOf(fromRelative);
    const check = (node, source) => {
      if (typeof source !== 'string' || !source.startsWith('.')) return;
      const target = path.relative(SRC, path.resolve(path.dirname(file), source));
      if (target.startsWith('..')) return;
      const to = unitOf(target);
      if (to === '' || to === from) return;
      if (BOXES.has(from) && BOXES.has(to)) {
        context.report({ node, messageId: 'box', data: { from, to } });
      } else if (!isIndex(target, to)) {
        context.report({ node, messageId: 'index', data: { to, target: target.split(path.sep).join('/') } });
      }
    };
    return {
      ImportDeclaration: (node) => check(node.source, node.source.value),
      ExportNamedDeclaration: (node) => node.source && check(node.source, node.source.value),
      ExportAllDeclaration: (node) => check(node.source, node.source.value),
      ImportExpression: (node) => node.source.type === 'Literal' && check(node.source, node.source.value),
    };
  },
};

export default { rules: { 'box-boundaries': rule } };
