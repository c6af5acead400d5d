import * as path from "node:path"
import { defineConfig } from "vitest/config"

/** The workspace's libraries: tests import them from their sources, not from their built `dist/`. */
const libraries = ["core", "transport", "loop", "standin", "ratelimit-redis", "mcp", "durable"]
const packages = path.join(import.meta.dirname, "packages")

/** Settings shared by every package's vitest.config.ts. */
export default defineConfig({
  resolve: {
    alias: libraries.flatMap((name) => [
      { find: new RegExp(`^@parley/${name}$`), replacement: path.join(packages, name, "src", "index.ts") },
      { find: new RegExp(`^@parley/${name}/(.+)$`), replacement: path.join(packages, name, "src", "$1.ts") }
    ])
  },
  test: {
    include: ["test/**/*.test.ts"],
    setupFiles: [path.join(import.meta.dirname, "vitest.setup.ts")],
    fakeTimers: { toFake: undefined },
    testTimeout: 30_000,
    hookTimeout: 30_000
  }
})
