// `node --import ./count-modules.mjs <program>`: appends the path of every file module the program loads, ES modules
// (a `load` hook) and CommonJS (Node's module cache at exit), one per line, to the file named by
// `PARLEY_BENCH_MODULES`. The hooks run on Node's loader thread and slow loading down: the runner counts modules in
// separate, untimed runs.
import * as Fs from "node:fs"
import Module, { register } from "node:module"
import { fileURLToPath } from "node:url"
import { isMainThread } from "node:worker_threads"

const out = process.env.PARLEY_BENCH_MODULES

export const load = async (url, context, nextLoad) => {
  const loaded = await nextLoad(url, context)
  if (out !== undefined && url.startsWith("file:")) Fs.appendFileSync(out, `${fileURLToPath(url)}\n`)
  return loaded
}

if (isMainThread && out !== undefined) {
  register(import.meta.url)
  process.on("exit", () => Fs.appendFileSync(out, Object.keys(Module._cache).join("\n").concat("\n")))
}
