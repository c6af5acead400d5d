/**
 * The demo's tools: the local functions under `./tools` wrapped as core `Tool`s (their Schemas give the model its
 * `input_schema` and decode its input), grouped in a `Toolkit` with their handlers. The file tools need a
 * `Sandbox` layer.
 */
import * as Tool from "@parley/core/Tool"
import * as Toolkit from "@parley/core/Toolkit"
import * as Calculator from "./tools/Calculator.js"
import * as Clock from "./tools/Clock.js"
import * as Sandbox from "./tools/Sandbox.js"
import * as Units from "./tools/Units.js"

/** Evaluates arithmetic with a parser (no `eval`). */
export const calculator = Tool.make(Calculator.name, {
  description: Calculator.description,
  input: Calculator.Input,
  output: Calculator.Output,
  failure: Calculator.Failure
})

/** The current date and time in an IANA time zone. */
export const currentTime = Tool.make(Clock.name, {
  description: Clock.description,
  input: Clock.Input,
  output: Clock.Output,
  failure: Clock.Failure
})

/** Converts between units of length, mass, temperature, volume, time, speed and data. */
export const convertUnits = Tool.make(Units.name, {
  description: Units.description,
  input: Units.Input,
  output: Units.Output,
  failure: Units.Failure
})

/** Reads a text file inside the sandbox directory. */
export const readFile = Tool.make(Sandbox.readFileName, {
  description: Sandbox.readFileDescription,
  input: Sandbox.ReadFileInput,
  output: Sandbox.ReadFileOutput,
  failure: Sandbox.ReadFileFailure
})

/** Lists a directory inside the sandbox directory. */
export const listFiles = Tool.make(Sandbox.listFilesName, {
  description: Sandbox.listFilesDescription,
  input: Sandbox.ListFilesInput,
  output: Sandbox.ListFilesOutput,
  failure: Sandbox.ListFilesFailure
})

/** Every tool of the demo. */
export const toolkit = Toolkit.make(calculator, currentTime, convertUnits, readFile, listFiles)

/** The demo's toolkit with its handlers: what the loop runs. Requires the `Sandbox` service. */
export const handled = toolkit.handle({
  calculator: Calculator.handler,
  current_time: Clock.handler,
  convert_units: Units.handler,
  read_file: Sandbox.readFile,
  list_files: Sandbox.listFiles
})
