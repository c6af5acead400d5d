import { Ajv2020, type ErrorObject } from "ajv/dist/2020.js"

/** A compiled JSON Schema: `undefined` for a valid value, else the problems, one a line. */
export type Validate = (value: unknown) => string | undefined

let shared: Ajv2020 | undefined

/**
 * One validator for every tool (ajv compiles each schema once, at definition time): draft 2020-12, all errors
 * reported, unknown keywords and formats allowed (tool schemas carry annotations the validator does not know), no
 * type coercion and no defaults written into the input.
 */
const ajv = (): Ajv2020 => {
  shared ??= new Ajv2020({ allErrors: true, strict: false, validateFormats: false })
  return shared
}

const describe = (error: ErrorObject): string =>
  `${error.instancePath === "" ? "input" : `input${error.instancePath}`} ${error.message ?? "is invalid"}`

/** Compiles `schema`; throws ajv's own error when the schema itself is invalid. */
export const compile = (schema: object): Validate => {
  const validate = ajv().compile(schema)
  return (value) => (validate(value) ? undefined : (validate.errors ?? []).map(describe).join("\n"))
}
