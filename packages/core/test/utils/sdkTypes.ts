import * as path from "node:path"
import { fileURLToPath } from "node:url"
import ts from "typescript"

/**
 * The official SDK's type declarations (@anthropic-ai/sdk, a dev dependency), read with the TypeScript compiler:
 * what its types say the API takes and sends, to compare Parley's schemas with, member by member and field by field.
 */
export interface SdkTypes {
  /** The declared type `name` of `Messages` (resources/messages/messages) or `Beta` (resources/beta/messages/messages). */
  readonly type: (module: "Messages" | "Beta", name: string) => ts.Type
  /** The names of a type's properties, without those its docs mark `Header param:` (sent as headers, not in the body). */
  readonly bodyProperties: (type: ts.Type) => ReadonlyArray<string>
  readonly checker: ts.TypeChecker
}

let cached: SdkTypes | undefined

/**
 * A strict TypeScript program (NodeNext, no emit) of one source file held in memory as `text` at the path `file`
 * (so that its imports resolve from there), for tests that check code against the SDK's types.
 */
export const compileSource = (file: string, text: string): ts.Program => {
  const options: ts.CompilerOptions = {
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    types: [],
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    target: ts.ScriptTarget.ES2022
  }
  const host = ts.createCompilerHost(options)
  const getSourceFile = host.getSourceFile.bind(host)
  host.getSourceFile = (name, language, ...rest) =>
    name === file ? ts.createSourceFile(name, text, language) : getSourceFile(name, language, ...rest)
  return ts.createProgram([file], options, host)
}

export const load = (): SdkTypes => {
  if (cached !== undefined) return cached
  const file = path.join(path.dirname(fileURLToPath(import.meta.url)), "__sdk_types__.ts")
  const text = [
    'import type * as Messages from "@anthropic-ai/sdk/resources/messages/messages"',
    'import type * as Beta from "@anthropic-ai/sdk/resources/beta/messages/messages"',
    "export type Unused = [Messages.Message, Beta.BetaMessage]"
  ].join("\n")
  const program = compileSource(file, text)
  const checker = program.getTypeChecker()
  const modules = new Map<string, ts.Symbol>()
  for (const statement of program.getSourceFile(file)!.statements) {
    if (!ts.isImportDeclaration(statement)) continue
    const name = (statement.importClause!.namedBindings as ts.NamespaceImport).name
    modules.set(name.text, checker.getAliasedSymbol(checker.getSymbolAtLocation(name)!))
  }
  const type = (module: "Messages" | "Beta", name: string): ts.Type => {
    const symbol = checker.getExportsOfModule(modules.get(module)!).find((s) => s.name === name)
    if (symbol === undefined) throw new Error(`the SDK has no ${module}.${name}`)
    return checker.getDeclaredTypeOfSymbol(
      symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol
    )
  }
  const bodyProperties = (t: ts.Type) =>
    checker
      .getPropertiesOfType(t)
      .filter((p) => !ts.displayPartsToString(p.getDocumentationComment(checker)).startsWith("Header param:"))
      .map((p) => p.name)
  cached = { type, bodyProperties, checker }
  return cached
}
