// Whether an answer `JSON.parse` read may be handed back as it came: nothing in it the core folds (the marks of normalize.rs `marks`), nothing the client refuses.

// What kaizalaScan answers (js.rs reads them).
const CLEAN = 0;
const MARKED = 1;
const REFUSED = 2;

// As deep as the binding reads plain data (`MAX_DEPTH` in js.rs).
const MAX_DEPTH = 128;

// The marks as lines `kind:key` (a: any value, s: a string, n: a number), read once each: key →
// its kinds.
const tables = new Map();
function table(marks) {
  let t = tables.get(marks);
  if (!t) {
    t = new Map();
    for (const line of marks.split('\n')) {
      const i = line.indexOf(':');
      if (i > 0) t.set(line.slice(i + 1), (t.get(line.slice(i + 1)) || '') + line.slice(0, i));
    }
    tables.set(marks, t);
  }
  return t;
}

function scan(v, t, depth) {
  if (depth > MAX_DEPTH) return REFUSED;
  if (typeof v === 'number') return Number.isFinite(v) ? CLEAN : REFUSED;
  if (v === null || typeof v !== 'object') return CLEAN;
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) {
      const r = scan(v[i], t, depth + 1);
      if (r !== CLEAN) return r;
    }
    return CLEAN;
  }
  // Own keys only: what JSON.parse made, never what Object.prototype may have been given.
  for (const k of Object.keys(v)) {
    const x = v[k];
    const kinds = t.get(k);
    if (kinds !== undefined
      && (kinds.includes('a')
        || (kinds.includes('s') && typeof x === 'string')
        || (kinds.includes('n') && typeof x === 'number'))) {
      return MARKED;
    }
    const r = scan(x, t, depth + 1);
    if (r !== CLEAN) return r;
  }
  return CLEAN;
}

// The kind of `x` (3 bits): 0 absent, then null, boolean, number, string, array, object (the
// order of normalize.rs `Kind`, from 1).
// (`typeof`'s first letter: b → 2, n → 3, s → 4; what JSON.parse makes is nothing else.)
function kind(x) {
  return x === undefined ? 0 : x === null ? 1 : Array.isArray(x) ? 5 : ' bns'.indexOf((typeof x)[0]) + 1 || 6;
}

/**
 * CLEAN when `v` holds nothing `marks` names, nests at most MAX_DEPTH deep and holds no infinity
 * (a number past a double's range); REFUSED for the last two; MARKED when something is marked
 * (the wasm then reads the answer into the core's tree, which checks the rest). Above those two
 * bits: the kind of `v` (bits 2–4), and of its key `items` (bits 5–7), which the wasm's
 * shape check reads.
 */
export function kaizalaScan(v, marks, items) {
  return scan(v, table(marks), 0) | kind(v) << 2 | kind(v?.[items]) << 5;
}
