// CommonJS: require() every public module of Parley's packages (listed in modules.json by check.mjs).
const modules = require("./modules.json")

for (const name of modules) {
  const module = require(name)
  if (Object.keys(module).length === 0) throw new Error(`require("${name}") has no exports`)
}
const { Tool } = require("@parley/core")
const Schema = require("effect/Schema")
const add = Tool.make("add", { description: "Adds", input: Schema.Struct({ a: Schema.Number }) })
if (add.definition.input_schema.type !== "object") throw new Error("Tool.make from CommonJS gave no input_schema")
console.log(`required ${modules.length} modules`)
