// Used by build-pkg.sh: puts the JS modules the crate imports (wasm-bindgen's snippets/) into the generated kaizala.js.
//
// Usage: node scripts/inline-snippets.cjs DIR (DIR holds kaizala.js and snippets/, from
// wasm-bindgen --target web or nodejs). Each snippet becomes one function scope evaluated once,
// where it was first imported, without its comment and blank lines; every import of it (named or
// namespace, ES `import` or `require`) reads that scope's exports. snippets/ is removed. The
// package keeps its files, and the Node build (CommonJS) could not require an ES module anyway. A
// snippet may not import anything itself. A snippet's exports named `__…` are also exports of
// kaizala.js: hooks for the package's entries (api.js passes no `__` name on to users).
'use strict';
const fs = require('fs');
const path = require('path');

const dir = process.argv[2];
const file = path.join(dir, 'kaizala.js');
const q = '[\'"`]';
const forms = [
  new RegExp(`^import \\{ ([\\w, ]+) \\} from ${q}\\./(snippets/[^'"\`]+)${q};?$`),
  new RegExp(`^import \\* as (\\w+) from ${q}\\./(snippets/[^'"\`]+)${q};?$`),
  new RegExp(`^const \\{ ([\\w, ]+) \\} = require\\((?:String\\.raw)?${q}\\./(snippets/[^'"\`]+)${q}\\);?$`),
  new RegExp(`^const (\\w+) = require\\((?:String\\.raw)?${q}\\./(snippets/[^'"\`]+)${q}\\);?$`),
];
const scopes = new Map();
const hooks = [];
const lines = fs.readFileSync(file, 'utf8').split('\n').flatMap((line) => {
  const i = forms.findIndex((re) => re.test(line));
  if (i < 0) {
    if (/snippets\//.test(line) && /\b(import|require)\b/.test(line)) {
      throw new Error(`inline-snippets: a snippet import of an unknown form: ${line}`);
    }
    return [line];
  }
  const [, names, rel] = forms[i].exec(line);
  const bind = i % 2 === 0 ? `{ ${names} }` : names;
  const out = [];
  if (!scopes.has(rel)) {
    const id = `__kaizalaSnippet${scopes.size}`;
    scopes.set(rel, id);
    const src = fs.readFileSync(path.join(dir, rel), 'utf8');
    const exported = [...src.matchAll(/^export (?:async )?(?:function|const|let|class) (\w+)/gm)].map((m) => m[1]);
    // Its comments are for the source: the package ships the code only.
    const body = src
      .replace(/^\s*\/\*\*?[^]*?\*\/\s*\n/gm, '')
      .split('\n')
      .filter((l) => !/^\s*\/\//.test(l) && l.trim() !== '')
      .join('\n')
      .replace(/^export (?=(?:async )?(?:function|const|let|class) )/gm, '');
    if (/^\s*(export|import)\b/m.test(body)) {
      throw new Error(`inline-snippets: ${rel} has an import or export this script cannot inline`);
    }
    out.push(`const ${id} = (() => {`, body, `return { ${exported.join(', ')} };`, '})();');
    for (const name of exported.filter((n) => n.startsWith('__'))) hooks.push(`export const ${name} = ${id}.${name};`);
  }
  out.push(`const ${bind} = ${scopes.get(rel)};`);
  return out;
});
fs.writeFileSync(file, [...lines, ...hooks].join('\n'));
fs.rmSync(path.join(dir, 'snippets'), { recursive: true, force: true });
