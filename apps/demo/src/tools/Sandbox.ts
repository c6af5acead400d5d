/**
 * The `read_file` and `list_files` tools: read-only access to a sandbox directory.
 *
 * Every requested path is checked twice: lexically (no NUL bytes, not absolute, no `..` leaving the root) and
 * physically (the `fs.realpath` of the target, or of its nearest existing ancestor, must lie inside the real root),
 * so symlinks — at the leaf or in an intermediate directory — cannot lead outside. Files are then opened by their
 * real path with `O_NOFOLLOW`.
 */
import { constants as fsConstants } from "node:fs"
import * as fs from "node:fs/promises"
import * as path from "node:path"
import { Context, Effect, Layer, Schema } from "effect"

/** The sandbox directory the file tools operate on. */
export class Sandbox extends Context.Tag("@parley/demo/Sandbox")<Sandbox, { readonly root: string }>() {
  /** A layer providing a sandbox rooted at `root` (resolved against the current directory). */
  static readonly layer = (root: string): Layer.Layer<Sandbox> =>
    Layer.succeed(Sandbox, Sandbox.of({ root: path.resolve(root) }))
}

/** Largest file `read_file` returns, in bytes (64 KiB). */
export const maxFileBytes = 64 * 1024

// -----------------------------------------------------------------------------------------------------------------
// Errors
// -----------------------------------------------------------------------------------------------------------------

/** The path is absolute, contains NUL or `..` segments leaving the sandbox, or resolves (via symlinks) outside it. */
export class PathEscapesSandbox extends Schema.TaggedError<PathEscapesSandbox>()("PathEscapesSandbox", {
  path: Schema.String,
  message: Schema.String
}) {}

/** Nothing exists at the path. */
export class FileNotFound extends Schema.TaggedError<FileNotFound>()("FileNotFound", {
  path: Schema.String,
  message: Schema.String
}) {}

/** The path exists but is not a regular file. */
export class NotAFile extends Schema.TaggedError<NotAFile>()("NotAFile", {
  path: Schema.String,
  message: Schema.String
}) {}

/** The path exists but is not a directory. */
export class NotADirectory extends Schema.TaggedError<NotADirectory>()("NotADirectory", {
  path: Schema.String,
  message: Schema.String
}) {}

/** The file is larger than {@link maxFileBytes}. */
export class FileTooLarge extends Schema.TaggedError<FileTooLarge>()("FileTooLarge", {
  path: Schema.String,
  bytes: Schema.Number,
  limit: Schema.Number,
  message: Schema.String
}) {}

/** The file contains NUL bytes or is not valid UTF-8. */
export class BinaryFile extends Schema.TaggedError<BinaryFile>()("BinaryFile", {
  path: Schema.String,
  message: Schema.String
}) {}

/** Any other file-system failure (permissions, I/O errors, missing sandbox root, ...). */
export class FileSystemError extends Schema.TaggedError<FileSystemError>()("FileSystemError", {
  path: Schema.String,
  message: Schema.String
}) {}

// -----------------------------------------------------------------------------------------------------------------
// Path resolution
// -----------------------------------------------------------------------------------------------------------------

const errnoCode = (cause: unknown): string | undefined =>
  typeof cause === "object" && cause !== null && "code" in cause && typeof cause.code === "string"
    ? cause.code
    : undefined

const causeMessage = (cause: unknown): string => (cause instanceof Error ? cause.message : String(cause))

const escapes = (requested: string, why: string): PathEscapesSandbox =>
  new PathEscapesSandbox({
    path: requested,
    message: `Access denied: ${JSON.stringify(requested)} is outside the sandbox (${why}). Use a relative path inside the sandbox, e.g. "." or "notes.txt".`
  })

const notFound = (requested: string): FileNotFound =>
  new FileNotFound({
    path: requested,
    message: `No such file or directory: ${JSON.stringify(requested)}. Use list_files to see what exists.`
  })

/** Maps a rejected fs call to a typed error: missing entries become {@link FileNotFound}. */
const fsFailure =
  (requested: string) =>
  (cause: unknown): FileNotFound | FileSystemError => {
    const code = errnoCode(cause)
    return code === "ENOENT" || code === "ENOTDIR"
      ? notFound(requested)
      : new FileSystemError({
          path: requested,
          message: `Cannot access ${JSON.stringify(requested)}: ${causeMessage(cause)}`
        })
  }

/** Whether `candidate` is `root` or lies below it (both absolute, normalised). */
const isInside = (root: string, candidate: string): boolean => {
  const rel = path.relative(root, candidate)
  return rel === "" || (rel !== ".." && !rel.startsWith(`..${path.sep}`) && !path.isAbsolute(rel))
}

/** The `realpath` of `p`, or `undefined` if it (or something it points to) does not exist. */
const realpathOrMissing = (p: string, requested: string): Effect.Effect<string | undefined, FileSystemError> =>
  Effect.tryPromise({
    try: () => fs.realpath(p),
    catch: (cause) => ({ cause, code: errnoCode(cause) })
  }).pipe(
    Effect.catchAll(({ cause, code }) =>
      code === "ENOENT" || code === "ENOTDIR"
        ? Effect.succeed(undefined)
        : code === "ELOOP"
          ? Effect.fail(
              new FileSystemError({
                path: requested,
                message: `Too many levels of symbolic links in ${JSON.stringify(requested)}.`
              })
            )
          : Effect.fail(
              new FileSystemError({
                path: requested,
                message: `Cannot access ${JSON.stringify(requested)}: ${causeMessage(cause)}`
              })
            )
    )
  )

/** A requested path resolved inside the sandbox. */
export interface Resolved {
  /** Normalised path relative to the sandbox root, `/`-separated; `.` for the root itself. */
  readonly relative: string
  /** Absolute real path (all symlinks resolved), guaranteed to be inside the real sandbox root. */
  readonly real: string
}

/**
 * Resolves `requested` against the sandbox root, failing with {@link PathEscapesSandbox} if it (or any symlink on
 * the way) leads outside, and with {@link FileNotFound} if it does not exist.
 */
export const resolve = (
  requested: string
): Effect.Effect<Resolved, PathEscapesSandbox | FileNotFound | FileSystemError, Sandbox> =>
  Effect.gen(function* () {
    if (requested.includes("\0")) return yield* escapes(requested, "it contains a NUL byte")
    if (path.isAbsolute(requested)) return yield* escapes(requested, "absolute paths are not allowed")
    const { root } = yield* Sandbox
    const realRoot = yield* Effect.tryPromise({
      try: () => fs.realpath(root),
      catch: (cause) =>
        new FileSystemError({ path: requested, message: `The sandbox root is unavailable: ${causeMessage(cause)}` })
    })
    const lexical = path.resolve(realRoot, requested)
    if (!isInside(realRoot, lexical)) return yield* escapes(requested, "its .. segments leave the sandbox")
    const relative = path.relative(realRoot, lexical).split(path.sep).join("/") || "."

    const real = yield* realpathOrMissing(lexical, requested)
    if (real !== undefined) {
      if (!isInside(realRoot, real)) return yield* escapes(requested, "it is a symbolic link to a location outside")
      return { relative, real }
    }

    // Missing target: find the nearest existing ancestor; a symlink there, or a dangling symlink just below it,
    // must not point outside (otherwise we would leak information about the outside file system).
    let child = lexical
    let parent = path.dirname(lexical)
    for (;;) {
      const realParent = yield* realpathOrMissing(parent, requested)
      if (realParent !== undefined) {
        if (!isInside(realRoot, realParent)) {
          return yield* escapes(requested, "it goes through a symbolic link to a location outside")
        }
        const link = yield* Effect.promise(() => fs.readlink(child).catch(() => undefined))
        if (link !== undefined && !isInside(realRoot, path.resolve(realParent, link))) {
          return yield* escapes(requested, "it goes through a symbolic link to a location outside")
        }
        return yield* notFound(requested)
      }
      if (parent === realRoot || parent === path.dirname(parent)) return yield* notFound(requested)
      child = parent
      parent = path.dirname(parent)
    }
  })

// -----------------------------------------------------------------------------------------------------------------
// read_file
// -----------------------------------------------------------------------------------------------------------------

/** The name of the `read_file` tool. */
export const readFileName = "read_file"

/** The description of the `read_file` tool. */
export const readFileDescription =
  "Read a UTF-8 text file from the sandbox directory. The path is relative to the sandbox root (e.g. " +
  '"notes.txt" or "data/prices.csv"). Files larger than 64 KiB and binary files are refused.'

/** Input of the `read_file` tool. */
export const ReadFileInput = Schema.Struct({
  path: Schema.String.annotations({
    description: 'Path of the file relative to the sandbox root, e.g. "notes.txt" or "data/prices.csv".'
  })
})

/** Input of the `read_file` tool. */
export type ReadFileInput = typeof ReadFileInput.Type

/** Output of the `read_file` tool. */
export const ReadFileOutput = Schema.Struct({
  path: Schema.String.annotations({ description: "Normalised path of the file relative to the sandbox root." }),
  content: Schema.String.annotations({ description: "The file's text content." }),
  bytes: Schema.Number.annotations({ description: "Size of the file in bytes." })
})

/** Output of the `read_file` tool. */
export type ReadFileOutput = typeof ReadFileOutput.Type

/** Every way the `read_file` tool can fail. */
export const ReadFileFailure = Schema.Union(
  PathEscapesSandbox,
  FileNotFound,
  NotAFile,
  FileTooLarge,
  BinaryFile,
  FileSystemError
)

/** Every way the `read_file` tool can fail. */
export type ReadFileFailure = typeof ReadFileFailure.Type

const tooLarge = (requested: string, bytes: number): FileTooLarge =>
  new FileTooLarge({
    path: requested,
    bytes,
    limit: maxFileBytes,
    message: `${JSON.stringify(requested)} is ${bytes} bytes; read_file only returns files up to ${maxFileBytes} bytes.`
  })

const binary = (requested: string, why: string): BinaryFile =>
  new BinaryFile({
    path: requested,
    message: `${JSON.stringify(requested)} is a binary file (${why}); read_file only returns UTF-8 text.`
  })

const decoder = new TextDecoder("utf-8", { fatal: true })

/** Handler of the `read_file` tool. */
export const readFile = (input: ReadFileInput): Effect.Effect<ReadFileOutput, ReadFileFailure, Sandbox> =>
  Effect.gen(function* () {
    const requested = input.path
    const { relative, real } = yield* resolve(requested)
    const flags = fsConstants.O_RDONLY | fsConstants.O_NOFOLLOW | fsConstants.O_NONBLOCK
    const data = yield* Effect.acquireUseRelease(
      Effect.tryPromise({ try: () => fs.open(real, flags), catch: fsFailure(requested) }),
      (handle) =>
        Effect.gen(function* () {
          const stat = yield* Effect.tryPromise({ try: () => handle.stat(), catch: fsFailure(requested) })
          if (!stat.isFile()) {
            return yield* new NotAFile({
              path: requested,
              message: stat.isDirectory()
                ? `${JSON.stringify(requested)} is a directory; use list_files to see its contents.`
                : `${JSON.stringify(requested)} is not a regular file.`
            })
          }
          if (stat.size > maxFileBytes) return yield* tooLarge(requested, stat.size)
          // Read at most one byte more than the limit, in case the file grew since fstat.
          const buffer = Buffer.alloc(maxFileBytes + 1)
          let total = 0
          for (;;) {
            const offset = total
            const { bytesRead } = yield* Effect.tryPromise({
              try: () => handle.read(buffer, offset, buffer.length - offset, offset),
              catch: fsFailure(requested)
            })
            if (bytesRead === 0) break
            total += bytesRead
            if (total >= buffer.length) break
          }
          if (total > maxFileBytes) return yield* tooLarge(requested, Math.max(total, stat.size))
          return buffer.subarray(0, total)
        }),
      (handle) => Effect.promise(() => handle.close().catch(() => undefined))
    )
    if (data.includes(0)) return yield* binary(requested, "it contains NUL bytes")
    const content = yield* Effect.try({
      try: () => decoder.decode(data),
      catch: () => binary(requested, "it is not valid UTF-8")
    })
    return { path: relative, content, bytes: data.length }
  })

// -----------------------------------------------------------------------------------------------------------------
// list_files
// -----------------------------------------------------------------------------------------------------------------

/** The name of the `list_files` tool. */
export const listFilesName = "list_files"

/** The description of the `list_files` tool. */
export const listFilesDescription =
  "List the entries of a directory in the sandbox, sorted by name, with their kind (file, directory, symlink, " +
  'other) and the size of files in bytes. The path is relative to the sandbox root; omit it or use "." for the root.'

/** Input of the `list_files` tool. */
export const ListFilesInput = Schema.Struct({
  path: Schema.optional(
    Schema.String.annotations({
      description: 'Directory to list, relative to the sandbox root, e.g. "data". Defaults to "." (the root).'
    })
  )
})

/** Input of the `list_files` tool. */
export type ListFilesInput = typeof ListFilesInput.Type

/** The kind of a directory entry. */
export const EntryKind = Schema.Literal("file", "directory", "symlink", "other")

/** The kind of a directory entry. */
export type EntryKind = typeof EntryKind.Type

/** One entry of a directory listing. */
export const Entry = Schema.Struct({
  name: Schema.String.annotations({ description: "Entry name (no directory part)." }),
  kind: EntryKind.annotations({ description: "file, directory, symlink or other." }),
  bytes: Schema.optional(Schema.Number.annotations({ description: "Size in bytes (files only)." }))
})

/** One entry of a directory listing. */
export type Entry = typeof Entry.Type

/** Output of the `list_files` tool. */
export const ListFilesOutput = Schema.Struct({
  path: Schema.String.annotations({ description: "Normalised path of the directory relative to the sandbox root." }),
  entries: Schema.Array(Entry).annotations({ description: "The directory's entries, sorted by name." })
})

/** Output of the `list_files` tool. */
export type ListFilesOutput = typeof ListFilesOutput.Type

/** Every way the `list_files` tool can fail. */
export const ListFilesFailure = Schema.Union(PathEscapesSandbox, FileNotFound, NotADirectory, FileSystemError)

/** Every way the `list_files` tool can fail. */
export type ListFilesFailure = typeof ListFilesFailure.Type

/** Handler of the `list_files` tool. */
export const listFiles = (input: ListFilesInput): Effect.Effect<ListFilesOutput, ListFilesFailure, Sandbox> =>
  Effect.gen(function* () {
    const requested = input.path === undefined || input.path.trim() === "" ? "." : input.path
    const { relative, real } = yield* resolve(requested)
    const stat = yield* Effect.tryPromise({ try: () => fs.stat(real), catch: fsFailure(requested) })
    if (!stat.isDirectory()) {
      return yield* new NotADirectory({
        path: requested,
        message: `${JSON.stringify(requested)} is not a directory${stat.isFile() ? "; use read_file to read it" : ""}.`
      })
    }
    const dirents = yield* Effect.tryPromise({
      try: () => fs.readdir(real, { withFileTypes: true }),
      catch: fsFailure(requested)
    })
    const entries = yield* Effect.forEach(dirents, (dirent) => {
      const kind: EntryKind = dirent.isFile()
        ? "file"
        : dirent.isDirectory()
          ? "directory"
          : dirent.isSymbolicLink()
            ? "symlink"
            : "other"
      if (kind !== "file") return Effect.succeed<Entry>({ name: dirent.name, kind })
      return Effect.promise(() =>
        fs.lstat(path.join(real, dirent.name)).then(
          (s): Entry => ({ name: dirent.name, kind, bytes: s.size }),
          (): Entry => ({ name: dirent.name, kind })
        )
      )
    })
    const sorted = [...entries].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    return { path: relative, entries: sorted }
  })

// -----------------------------------------------------------------------------------------------------------------
// Demo content
// -----------------------------------------------------------------------------------------------------------------

/** The demo files written by {@link seedSandbox}, keyed by relative path. */
export const demoFiles: ReadonlyArray<readonly [path: string, content: string]> = [
  [
    "README.md",
    [
      "# Parley demo sandbox",
      "",
      "This directory is the sandbox the demo's file tools can see.",
      "",
      "- `notes.txt` — a few notes about the project",
      "- `data/prices.csv` — a small price list to do arithmetic on",
      ""
    ].join("\n")
  ],
  [
    "notes.txt",
    [
      "Parley is a TypeScript monorepo built on Effect.",
      "It lets a language model call local tools: a calculator, a clock, a unit converter and these file tools.",
      "Every tool has a typed input schema, a typed output schema and typed errors.",
      "The file tools can only see this sandbox directory; paths outside it are refused.",
      ""
    ].join("\n")
  ],
  [
    "data/prices.csv",
    [
      "item,unit,price_usd",
      "coffee beans,kg,24.50",
      "oat milk,l,2.80",
      "paper cups,100 pcs,7.95",
      "croissant,piece,3.20",
      "espresso machine descaler,bottle,12.99",
      ""
    ].join("\n")
  ]
]

/** Writes the demo files ({@link demoFiles}) into `dir`, creating directories as needed. */
export const seedSandbox = (dir: string): Effect.Effect<void, FileSystemError> =>
  Effect.forEach(
    demoFiles,
    ([relative, content]) => {
      const target = path.join(dir, relative)
      return Effect.tryPromise({
        try: async () => {
          await fs.mkdir(path.dirname(target), { recursive: true })
          await fs.writeFile(target, content, "utf8")
        },
        catch: (cause) =>
          new FileSystemError({ path: relative, message: `Cannot write demo file ${relative}: ${causeMessage(cause)}` })
      })
    },
    { discard: true }
  )
